"""Fast checks of module m05: the messy-file generator, the references, the comparisons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlinterview import checks
from mlinterview.exercises import m05

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "m05_customers" / "generate.py"


# --------------------------------------------------------------------------- the generator


def test_generator_is_reproducible_and_seeded():
    text = m05.make_raw_customers(7, 300)
    assert text == m05.make_raw_customers(7, 300)
    assert text != m05.make_raw_customers(8, 300)
    assert len(m05.frame_from_text(text)) == 300


def test_committed_file_equals_a_fresh_generation(tmp_path):
    """generate.py, run from a copy, writes the committed file byte for byte (twice)."""
    shutil.copy2(GENERATOR, tmp_path / "generate.py")
    written = []
    for _ in range(2):
        subprocess.run([sys.executable, str(tmp_path / "generate.py")], check=True,
                       capture_output=True, cwd=tmp_path)
        written.append((tmp_path / "customers_raw.csv").read_bytes())
    assert written[0] == written[1]
    assert written[0] == (ROOT / "data" / m05.SHIPPED_NAME).read_bytes()


@pytest.mark.parametrize("seed, n_rows", [(m05.SHIPPED_SEED, m05.SHIPPED_ROWS), (1, 600), (99, 800)])
def test_every_kind_of_mess_is_present(seed, n_rows):
    found = m05.mess_found(m05.make_raw_customers(seed, n_rows))
    assert set(found) == set(m05.MESS_KINDS)
    assert [k for k, present in found.items() if not present] == []


def test_mess_detector_can_fail():
    """A tidy file is reported as missing most kinds of mess."""
    clean = m05.clean_frame_reference(m05.shipped_path())
    text = m05.clean_csv_text(clean.assign(name="x", email="y", notes="", source="s",
                                           account_status="a", signup_date="2023-01-01",
                                           monthly_spend="1.00")[m05.RAW_COLUMNS])
    found = m05.mess_found(text)
    assert not found["bom"] and not found["quoted_comma"] and not found["currency_signs"]
    assert not found["leaky_column"]


def test_variations_are_other_rows_and_other_mess():
    texts = [t for _, t in m05.variation_texts(3)]
    frames = [m05.frame_from_text(t) for t in texts]
    shipped = m05.load_reference(m05.shipped_path())
    for frame in frames:
        assert list(frame.columns) == m05.RAW_COLUMNS
        assert len(set(frame["customer_id"]) & set(shipped["customer_id"])) < len(frame) / 2
    duplicate_rates = {round(f.duplicated().mean(), 3) for f in frames}
    assert len(duplicate_rates) > 1


# --------------------------------------------------------------------------- references vs scikit-learn


def test_load_keeps_leading_zeros_and_only_the_four_na_spellings():
    df = m05.load_reference(m05.shipped_path())
    assert df["customer_id"].str.len().eq(6).all()
    assert df["customer_id"].str.startswith("0").any()
    assert [str(t) for t in df.dtypes] == [str(pd.Series(dtype=t).dtype) for t in m05.RAW_DTYPES.values()]
    assert not df["monthly_spend"].isin(m05.NA_TOKENS).any()


def test_impute_reference_matches_simple_imputer():
    from sklearn.impute import SimpleImputer

    for case in m05.impute_cases(seed=3):
        train, test, numeric, categorical = case.args
        got_train, got_test = m05.impute_reference(train, test, numeric, categorical)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            num = SimpleImputer(strategy="median").fit(train[numeric].astype(float))
            cat = SimpleImputer(strategy="most_frequent").fit(
                train[categorical].astype(object).where(train[categorical].notna(), np.nan))
        np.testing.assert_allclose(got_test[numeric].to_numpy(float),
                                   num.transform(test[numeric].astype(float)))
        want = cat.transform(test[categorical].astype(object).where(test[categorical].notna(), np.nan))
        assert (got_test[categorical].to_numpy(object) == want).all(), case.label
        assert len(got_train) == len(train)


def test_one_hot_reference_matches_one_hot_encoder():
    from sklearn.preprocessing import OneHotEncoder

    for case in m05.one_hot_cases(seed=4):
        train, test, columns = case.args
        _, got_test = m05.one_hot_reference(train, test, columns)
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            encoder.fit(train[columns].astype(object))
            want = encoder.transform(test[columns].astype(object))
        names = [n.replace("__", "_") for n in encoder.get_feature_names_out(columns)]
        np.testing.assert_array_equal(got_test[names].to_numpy(float), want)
        assert list(got_test.columns)[-len(names):] == names


def test_augment_reference_matches_polynomial_features():
    from sklearn.preprocessing import PolynomialFeatures

    for case in m05.augment_cases(seed=5):
        df, numeric, date_col = case.args
        got = m05.augment_reference(df, numeric, date_col)
        poly = PolynomialFeatures(degree=2, include_bias=False)
        terms = poly.fit_transform(df[numeric].to_numpy(float))
        names = list(poly.get_feature_names_out(numeric))[len(numeric):]
        assert list(got.columns[len(df.columns):len(df.columns) + len(names)]) == names
        np.testing.assert_allclose(got[names].to_numpy(float), terms[:, len(numeric):])
        x = df[numeric].to_numpy(float)
        np.testing.assert_allclose(got[[f"log_{c}" for c in numeric]].to_numpy(float),
                                   np.sign(x) * np.log(1 + np.abs(x)))
        assert np.isfinite(got[[f"log_{c}" for c in numeric]].to_numpy(float)).all()


def test_standardize_reference_matches_standard_scaler():
    from sklearn.preprocessing import StandardScaler

    for case in m05.standardize_cases(seed=6):
        X_train, X_test = case.args
        scaler = StandardScaler().fit(X_train)
        for got, want in zip(m05.standardize_reference(X_train, X_test),
                             (scaler.transform(X_train), scaler.transform(X_test))):
            np.testing.assert_allclose(got, want, atol=1e-12)


def test_standardize_cases_catch_a_leak():
    """Scaling with statistics of train and test together fails every case."""
    for case in m05.standardize_cases(seed=6):
        X_train, X_test = case.args
        both = np.vstack([X_train, X_test])
        std = np.where(both.std(axis=0) == 0, 1, both.std(axis=0))
        leaky = ((X_train - both.mean(axis=0)) / std, (X_test - both.mean(axis=0)) / std)
        with pytest.raises(checks.CheckFailed):
            m05.pair_of_arrays_match(leaky, m05.standardize_reference(X_train, X_test))


def test_pca_reference_agrees_with_eigh_up_to_sign():
    for case in m05.pca_cases(seed=7):
        X, k = case.args
        scores, components, ratio = m05.pca_reference(X, k)
        Xc = X - X.mean(axis=0)
        values, vectors = np.linalg.eigh(np.cov(Xc, rowvar=False))
        order = np.argsort(values)[::-1]
        alternative = (Xc @ vectors[:, order[:k]], vectors[:, order[:k]].T,
                       values[order[:k]] / values.sum())
        m05.pca_matches(alternative, (scores, components, ratio))
        flipped = (-scores, -components, ratio)
        m05.pca_matches(flipped, (scores, components, ratio))
        _, S, Vt = np.linalg.svd(X, full_matrices=False)  # forgot to centre
        with pytest.raises(checks.CheckFailed):
            m05.pca_matches((X @ Vt[:k].T, Vt[:k], (S**2 / np.sum(S**2))[:k]),
                            (scores, components, ratio))


def test_by_hand_chain_equals_column_transformer():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def make(numeric, categorical):
        return ColumnTransformer([
            ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("c", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
             categorical)])

    def forgets_unknown(numeric, categorical):
        return ColumnTransformer([
            ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("c", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(sparse_output=False)), categorical)])

    for case in m05.preprocessor_cases(seed=8):
        expected = m05.preprocessor_reference(*case.args)
        m05.preprocessor_matches(make(*case.args), expected)
        with pytest.raises(checks.CheckFailed, match="raised"):
            m05.preprocessor_matches(forgets_unknown(*case.args), expected)
    with pytest.raises(checks.CheckFailed, match="Part 12"):
        m05.preprocessor_matches([1, 2], expected)


def test_leak_cases_flag_the_leaks_and_not_the_near_leak():
    for case in m05.leak_cases(seed=9):
        df, label = case.args
        found = m05.find_leaky_columns_reference(df, label)
        if "target" in df.columns:
            assert found == ["days_since_cancel", "status"], case.label
            assert m05.leak_purity(df["noisy"], df["target"]) == pytest.approx(0.9, abs=0.01)
        else:
            assert found == ["account_status"]


# --------------------------------------------------------------------------- comparisons and the round trip


def test_frames_match_rules():
    expected = pd.DataFrame({"id": pd.array(["007", pd.NA], dtype="string"), "x": [1.0, np.nan]})
    as_str = expected.astype({"id": "str"})
    if not pd.api.types.is_object_dtype(as_str["id"]):  # pandas 3's default str dtype is accepted
        m05.frames_match(as_str, expected)
    for wrong, message in [
        (expected.astype({"id": object}), "dtype object"),
        (expected[["x", "id"]], "columns"),
        (expected.assign(x=[1.5, np.nan]), "values differ"),
        (expected.assign(x=[1.0, 0.0]), "missing values differ"),
        ([1, 2], "Part 2 returns a pandas DataFrame"),
    ]:
        with pytest.raises(checks.CheckFailed, match=message):
            m05.frames_match(wrong, expected, part="Part 2")


def test_series_match_names_the_part_on_a_wrong_type():
    expected = pd.Series([1.0, 2.0], name="monthly_spend")
    with pytest.raises(checks.CheckFailed, match="Part 3 returns a pandas Series"):
        m05.series_match(expected.to_numpy(), expected, part="Part 3")
    with pytest.raises(checks.CheckFailed, match="index"):
        m05.series_match(expected.set_axis([5, 6]), expected, part="Part 3")


def test_clean_round_trip_and_its_check(tmp_path):
    expected = m05.clean_reference(m05.shipped_path(), tmp_path / "out.csv")
    (tmp_path / "out.csv").write_text(expected.text, encoding="utf-8")
    back = m05.read_clean_reference(tmp_path / "out.csv")
    assert back.equals(expected.frame)
    assert list(back.dtypes.astype(str)) == [str(pd.Series(dtype=t).dtype)
                                             for t in m05.CLEAN_DTYPES.values()]
    m05.clean_matches(expected.frame, expected)
    expected.frame.to_csv(tmp_path / "out.csv", **{**m05.CSV_OPTIONS, "index": True})
    with pytest.raises(checks.CheckFailed, match="header"):
        m05.clean_matches(expected.frame, expected)
    expected.frame.to_csv(tmp_path / "out.csv", **{**m05.CSV_OPTIONS, "float_format": None})
    with pytest.raises(checks.CheckFailed, match="text differs"):
        m05.clean_matches(expected.frame, expected)
    with pytest.raises(ValueError):
        m05.clean_reference(tmp_path / "raw.csv", tmp_path / "clean.csv")


def test_a_raw_file_is_cleaned_once_per_version_and_the_kernels_start_with_the_shipped_one(
        tmp_path, monkeypatch):
    """The lesson, ``clean_split_case`` and the tests clean the shipped file again and again
    (0.1 s each): a file is cleaned once per version, each caller getting its own frame, and
    ``warm_kernel`` (run by the grader's kernel factory) cleans the shipped one first."""
    cleanings = []
    clean = m05._clean_frame
    monkeypatch.setattr(m05, "_clean_frame", lambda path: cleanings.append(path) or clean(path))
    raw = tmp_path / "raw.csv"
    raw.write_text(m05.make_raw_customers(seed=77, n_rows=40), encoding="utf-8")
    first = m05.clean_frame_reference(raw)
    first.loc[0, "city"] = "changed by a caller"
    again = m05.clean_frame_reference(str(raw))
    assert len(cleanings) == 1 and again.loc[0, "city"] != "changed by a caller"
    pd.testing.assert_frame_equal(again, clean(raw))
    raw.write_text(m05.make_raw_customers(seed=78, n_rows=41), encoding="utf-8")
    assert len(m05.clean_frame_reference(raw)) != len(again) and len(cleanings) == 2

    m05.warm_kernel()
    warmed = len(cleanings)
    m05.clean_split_case(seed=0)
    m05.clean_frame_reference(m05.shipped_path())
    assert len(cleanings) == warmed, "the shipped file was cleaned again after warm_kernel"


def test_hidden_declarations_pass_the_references():
    """Each hidden declaration accepts its own reference (so a failure is the learner's)."""
    declarations = [
        ("load", m05.load_cases, m05.load_reference, m05.part_compare("frame", "Part 1")),
        ("dedupe", m05.deduplicate_cases, m05.deduplicate_reference, m05.part_compare("frame", "Part 2")),
        ("money", m05.money_cases, m05.parse_money_reference, m05.part_compare("series", "Part 3")),
        ("dates", m05.date_cases, m05.parse_dates_reference, m05.part_compare("series", "Part 4")),
        ("impute", m05.impute_cases, m05.impute_reference, m05.part_compare("frames", "Part 5")),
        ("one_hot", m05.one_hot_cases, m05.one_hot_reference, m05.part_compare("frames", "Part 6")),
        ("augment", m05.augment_cases, m05.augment_reference, m05.part_compare("frame", "Part 7")),
        ("scale", m05.standardize_cases, m05.standardize_reference, m05.part_compare("arrays", "Part 8")),
        ("leak", m05.leak_cases, m05.find_leaky_columns_reference, m05.part_compare("list", "Part 9")),
        ("pca", m05.pca_cases, m05.pca_reference, m05.pca_matches),
    ]
    for name, cases, reference, compare in declarations:
        checks.expect(name, cases=cases(seed=11), reference=reference, compare=compare,
                      namespace={name: reference})


def test_the_cases_files_are_removed_when_python_exits(tmp_path):
    """A learner who runs the checks all evening, or a test suite, leaves nothing in /tmp."""
    script = ("import os, tempfile\n"
              "from mlinterview.exercises import m05\n"
              "m05.load_cases(7); m05.clean_cases(7)\n"
              "print(len(os.listdir(tempfile.gettempdir())))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert int(done.stdout) >= 6  # they were there while the cases were in use
    assert list(tmp_path.iterdir()) == []
