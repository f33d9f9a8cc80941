"""Every bad input in docs/bad_inputs.md: one clear line, the documented message, nothing lost.

The table is made from subprocess runs (``python -m experiments.bad_inputs --write``);
here one case of each group runs in a subprocess as well, the others call the entry
point's ``main`` in this process (the same code path without the interpreter's start-up,
which would cost about five seconds a case). Either way the message must equal the
table's.
"""

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


FIRST_OF_GROUP = {
    case.name for index, case in enumerate(bad_inputs.CASES)
    if index == 0 or bad_inputs.CASES[index - 1].group != case.group
}  # fmt: skip


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=[case.name for case in bad_inputs.CASES])
def test_bad_input(case, places, tmp_path):
    expected_code, expected_message = bad_inputs.read_table()[case.name]
    result = bad_inputs.run_case(
        case, tmp_path / "case", places, in_process=case.name not in FIRST_OF_GROUP
    )
    assert not result["traceback"], result["stderr"][-3000:]
    assert len(result["errors"]) == 1, result["stderr"][-3000:]
    assert result["returncode"] == expected_code != 0
    assert result["errors"][0].removeprefix("error: ") == expected_message
    assert result["unchanged"] and result["run_unchanged"]  # nothing that was there is lost
    assert result["created"] == []  # and a failed run creates no workdir
    assert pathlib.Path(places["$RUN"], "summary.json").exists()
