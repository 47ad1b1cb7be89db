"""A class of the grader's that stands in for a learner's class living in its kernel.

scikit-learn's estimator checks inspect an estimator as much as they call it:
they clone it, read ``vars(estimator)`` and the signature of ``__init__``,
compare attributes by identity before and after ``fit``, pickle it. Run beside
the learner's class (in the kernel) their verdict would be the learner's
process's word, which the learner's code can rewrite. Run here, they need an
object of this process. The stand-in is that object:

* its bases are the library classes (``BaseEstimator``, ``ClassifierMixin``) the
  learner's class derives from, imported here, so what the library implements
  (``get_params``, ``set_params``, ``clone``, tags, ``repr``) runs here;
* each method the learner wrote is a forwarder: the learner's object, built in
  the kernel by the learner's ``__init__``, runs it there;
* each instance keeps a copy of the learner object's ``__dict__``, in step both
  ways: what changed here (``set_params``) goes over before each call, what the
  call changed comes back after it, an attribute that *is* an argument of the
  call arriving as that very argument (``clone`` checks identity);
* pickling and ``copy.deepcopy`` happen to the learner's object in the kernel;
  the grader's pickle holds only a token for it.

Only data crosses, as for every other call (:mod:`.wire`). The kernel can still
misreport what the learner's object did, but only in ways some class could
really behave, so a misreport earns nothing a class could not earn honestly.
A ``__sklearn_tags__`` the learner wrote crosses as nested dicts and is rebuilt
here with scikit-learn's own Tags classes.
"""

from __future__ import annotations

import importlib
import inspect
import weakref

from . import kernel as kernel_side

_MISSING = object()
# a stand-in class by key, for pickle.loads (a weak reference: one class per test cell)
_CLASSES: weakref.WeakValueDictionary[int, type] = weakref.WeakValueDictionary()


class _Link:
    """An instance's learner object and the copy of its attributes last in step."""

    __slots__ = ("id", "synced")

    def __init__(self, id_: int):
        self.id, self.synced = id_, {}


def build(server, handle: int) -> type:
    """A stand-in class for the learner's class behind ``handle`` (a class handle of ``server``)."""
    outline = server.ask(("mirror", "outline", handle))[1]
    links: dict[int, tuple[object, _Link]] = {}  # id(instance) -> (instance, link)

    def ask(*request):
        return server.ask(("mirror", *request))[1]

    def adopt(obj, made, args=(), kwargs=None) -> None:
        remote, (changed, gone) = made
        link = _Link(remote)
        links[id(obj)] = (obj, link)
        _apply(obj, link, changed, gone, args, kwargs or {})

    def link_of(obj) -> _Link:
        entry = links.get(id(obj))
        if entry is None or entry[0] is not obj:
            raise TypeError(f"{outline['name']}: an instance the grader did not build")
        return entry[1]

    def new_instance(cls, made):
        obj = cls.__new__(cls)
        adopt(obj, made)
        return obj

    def use(obj, name: str | None, call: bool, args: tuple, kwargs: dict):
        link = link_of(obj)
        attrs = obj.__dict__
        pushed = {k: v for k, v in attrs.items() if link.synced.get(k, _MISSING) is not v}
        removed = [k for k in link.synced if k not in attrs]
        answer, (changed, gone) = ask("use", link.id, name, call, args, kwargs, pushed, removed)
        _apply(obj, link, changed, gone, args, kwargs)
        if answer[0] == "self":
            return obj
        if answer[0] == "new":
            return new_instance(type(obj), answer[1:])
        if answer[0] == "tags":
            return _tags(answer[1])
        _, value, ref, aliases = answer
        if ref is not None:
            return _resolve(ref, obj.__dict__, args, kwargs, value)
        if type(value) is dict and aliases:
            value = {k: _resolve(aliases[k], obj.__dict__, args, kwargs, v) if k in aliases else v
                     for k, v in value.items()}
        return value

    def __init__(self, *args, **kwargs):
        adopt(self, ask("new", handle, args, kwargs), args, kwargs)

    def __reduce_ex__(self, protocol):
        link = link_of(self)
        use(self, None, False, (), {})  # bring the learner's object in step first
        return (_unpickle, (id(cls), ask("pickle", link.id)))

    def __deepcopy__(self, memo):
        use(self, None, False, (), {})
        return new_instance(type(self), ask("deepcopy", link_of(self).id))

    # what the kernel says is data to check, never code: names it may not define are dropped
    body = {name: value for name, value in outline["values"].items()
            if isinstance(name, str) and not name.startswith(("__", "_mlinterview"))}
    body.update({name: _forwarder(use, name, kind) for name, kind in outline["methods"].items()
                 if isinstance(name, str) and kind in ("method", "property")
                 and (name in kernel_side.MIRRORED_DUNDERS
                      or not name.startswith(("__", "_mlinterview")))})
    body.update({
        "__module__": str(outline["module"]), "__qualname__": str(outline["qualname"]),
        "__doc__": outline["doc"] if isinstance(outline["doc"], str) else None,
        "__init__": __init__, "__reduce_ex__": __reduce_ex__, "__deepcopy__": __deepcopy__,
        "_mlinterview_links": links,
        "_mlinterview_unpickled": lambda token: new_instance(cls, ask("unpickle", token)),
    })
    if outline["signature"] is not None:
        __init__.__signature__ = inspect.Signature([
            inspect.Parameter(str(name), inspect._ParameterKind(kind),
                              default=inspect.Parameter.empty if required else default)
            for name, kind, required, default in outline["signature"]])
    bases = _bases(outline["bases"])
    try:
        cls = type(outline["name"], bases, body)
    except TypeError:  # bases the library cannot combine as listed: the most derived one
        cls = type(outline["name"], bases[:1] or (object,), body)
    _CLASSES[id(cls)] = cls
    return cls


def _forwarder(use, name: str, kind: str):
    if kind == "property":
        return property(lambda self: use(self, name, False, (), {}))

    def method(self, *args, **kwargs):
        return use(self, name, True, args, kwargs)

    method.__name__ = method.__qualname__ = name
    return method


def _apply(obj, link: _Link, changed: dict, gone: list, args: tuple, kwargs: dict) -> None:
    """What the learner's object changed, applied to the stand-in's copy of its attributes."""
    attrs = obj.__dict__
    for name in gone:
        attrs.pop(name, None)
    for name, ref in changed.items():
        if ref[0] == "value":
            attrs[name] = ref[1]
        else:
            attrs[name] = _resolve(ref, {}, args, kwargs, None)
    link.synced = dict(attrs)


def _resolve(ref, attrs: dict, args: tuple, kwargs: dict, value):
    """The object of this process a reference names (an argument, an attribute), else ``value``."""
    kind, key = (ref[0], ref[1]) if isinstance(ref, tuple) and len(ref) == 2 else (None, None)
    if kind == "kw" and isinstance(key, str) and key in kwargs:
        return kwargs[key]
    if kind == "arg" and type(key) is int and 0 <= key < len(args):
        return args[key]
    if kind == "attr" and key in attrs:
        return attrs[key]
    return value


def _tags(data: dict):
    """scikit-learn's Tags from the learner's ``__sklearn_tags__``, sent as nested dicts."""
    from sklearn.utils import (
        ClassifierTags,
        InputTags,
        RegressorTags,
        Tags,
        TargetTags,
        TransformerTags,
    )

    parts = {"input_tags": InputTags, "target_tags": TargetTags, "transformer_tags":
             TransformerTags, "classifier_tags": ClassifierTags, "regressor_tags": RegressorTags}
    if not isinstance(data, dict):
        raise TypeError("__sklearn_tags__ did not return scikit-learn's Tags")
    return Tags(**{k: parts[k](**v) if k in parts and isinstance(v, dict) else v
                   for k, v in data.items()})


def _bases(names) -> tuple[type, ...]:
    """The library classes among the learner's class's ancestors, imported here: the most
    derived ones, in the learner's order (their own ancestors follow from them)."""
    found = []
    for module, qualname in names:
        if not (isinstance(module, str) and isinstance(qualname, str)) \
                or module.split(".")[0] != "sklearn":
            continue
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part, None)
        if isinstance(obj, type) and (obj.__module__ or "").split(".")[0] == "sklearn":
            found.append(obj)
    return tuple(c for c in found if not any(o is not c and issubclass(o, c) for o in found))


def _unpickle(key: int, token: int):
    cls = _CLASSES.get(key)
    if cls is None:
        raise TypeError("a stand-in pickled in another test cell")
    return cls._mlinterview_unpickled(token)


def handle_of(obj) -> int | None:
    """The kernel's handle of the learner object ``obj`` stands in for, if it is a stand-in."""
    links = getattr(type(obj), "_mlinterview_links", None)
    entry = links.get(id(obj)) if isinstance(links, dict) else None
    return entry[1].id if entry is not None and entry[0] is obj else None
