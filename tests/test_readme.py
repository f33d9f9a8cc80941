"""The README's Python examples run as written, and its test command is what CI runs."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 1


def test_readme_python_examples_run(capsys):
    for block in python_blocks():
        namespace = {}
        exec(compile(block, str(README), "exec"), namespace)
    printed = capsys.readouterr().out
    assert "critic loss" in printed and "D loss" in printed
    # The custom loss family and the stateful regulariser ran through the step.
    assert np.isfinite(float(printed.split("RpGAN D loss")[1].split()[0]))
    anchor = printed.split("output average")[1].split()
    assert anchor[2:4] == ["20", "steps"] and float(anchor[0]) != 0.0
    critic_loss = float(printed.split("critic loss")[1].split()[0])
    d_loss = float(printed.split("D loss")[1].split(",")[0])
    assert np.isfinite(critic_loss) and np.isfinite(d_loss)


def test_readme_marks_the_test_command():
    text = README.read_text()
    marker = text.index("<!-- test-command -->")
    command = re.search(r"```bash\n(.*?)\n```", text[marker:], flags=re.DOTALL).group(1)
    assert "pytest" in command and "requirements.txt" in command
