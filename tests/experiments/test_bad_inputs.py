"""Every bad input in docs/bad_inputs.md: one clear line, the documented message, nothing lost."""

import pathlib

import pytest

from experiments import bad_inputs


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad_inputs")
    data_dir = str(root / "tfds")
    return {"$DATA": data_dir, "$RUN": bad_inputs.finished_run(root, data_dir)}


def test_the_table_lists_every_case():
    table = bad_inputs.read_table()
    assert len(bad_inputs.CASES) >= 30
    assert sorted(table) == sorted(case.name for case in bad_inputs.CASES)


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=[case.name for case in bad_inputs.CASES])
def test_bad_input(case, places, tmp_path):
    expected_code, expected_message = bad_inputs.read_table()[case.name]
    result = bad_inputs.run_case(case, tmp_path / "case", places)
    assert not result["traceback"], result["stderr"][-3000:]
    assert len(result["errors"]) == 1, result["stderr"][-3000:]
    assert result["returncode"] == expected_code != 0
    assert result["errors"][0].removeprefix("error: ") == expected_message
    assert result["unchanged"] and result["run_unchanged"]  # nothing that was there is lost
    assert result["created"] == []  # and a failed run creates no workdir
    assert pathlib.Path(places["$RUN"], "summary.json").exists()
