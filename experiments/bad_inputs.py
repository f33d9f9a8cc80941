"""Bad inputs tried on purpose: each must fail with one clear line and lose nothing.

  python -m experiments.bad_inputs [--write docs/bad_inputs.md] [--only NAME ...]

Every case runs a command (or a Python API call) in a scratch directory and records
its exit status and its ``error:`` line (for the API, the exception's type and
message). ``--write`` regenerates the table in docs; ``tests/experiments/
test_bad_inputs.py`` runs every case and checks it against that table, that stderr
holds exactly one ``error:`` line and no traceback, that nothing was created, and
that every file the case set up is unchanged.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "bad_inputs.md"
TINY = (
    "--config.generator.ngf=4", "--config.discriminator.ndf=4", "--config.batch_size=8",
    "--config.num_final_samples=8", "--config.num_grid_samples=4", "--config.num_steps=2",
    "--config.compilation_cache_dir=",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: ``argv`` after ``python -m``, or ``api`` (Python code to exec).

    ``$TMP`` in the arguments is the case's scratch directory, ``$RUN`` a finished
    2-step run's workdir and ``$DATA`` the shared TFDS data directory. ``setup`` names
    files to create first (name -> content); ``absent`` paths must not exist after.
    """

    name: str
    group: str
    argv: tuple[str, ...] = ()
    api: str = ""
    setup: tuple[tuple[str, str], ...] = ()
    absent: tuple[str, ...] = ("$TMP/w",)
    # Needs a process of its own (the device count differs inside the test suite).
    own_process: bool = False


def _train(*args: str) -> tuple[str, ...]:
    return ("experiments.train", "--workdir", "$TMP/w", "--config.data_dir=$DATA", *args)


CASES = (
    # --- experiments.train: flags and config fields ------------------------------------
    Case("unknown field", "train", _train("--config.batchsize=32")),
    Case("unknown nested field", "train", _train("--config.generator.nfg=32")),
    Case("field that lives deeper", "train", _train("--config.learning_rate=1e-3")),
    Case("not an integer", "train", _train("--config.batch_size=lots")),
    Case("not a number", "train", _train("--config.ema_decay=high")),
    Case("negative learning rate", "train",
         _train("--config.generator_optimizer.learning_rate=-2e-4")),
    Case("zero steps", "train", _train("--config.num_steps=0")),
    Case("zero batch", "train", _train("--config.batch_size=0")),
    Case("n_critic 0", "train", _train("--config.n_critic=0")),
    Case("EMA decay of 1", "train", _train("--config.ema_decay=1.0")),
    Case("label smoothing above 1", "train", _train("--config.label_smoothing=1.5")),
    Case("Adam beta of 1", "train", _train("--config.discriminator_optimizer.b2=1.0")),
    Case("unknown optimizer", "train", _train("--config.generator_optimizer.name=adamw")),
    Case("unknown learning-rate schedule", "train",
         _train("--config.discriminator_optimizer.schedule=cosine")),
    Case("unknown loss", "train", _train("--config.loss=wgan")),
    Case("unknown model", "train", _train("--config.model=stylegan")),
    Case("misspelt dataset", "train", _train("--config.dataset=mnits")),
    Case("catalog dataset not prepared", "train", _train("--config.dataset=cifar10")),
    Case("unknown strategy", "train", _train("--config.strategy=fsdp")),
    Case("more devices than exist", "train", _train("--config.num_devices=3"),
         own_process=True),
    Case("several problems at once", "train",
         _train("--config.batchsize=3", "--config.num_steps=-1", "--config.loss=wgan")),
    Case("malformed regularizer term", "train", _train("--config.add_regularizers=r1")),
    Case("unknown regularizer", "train", _train("--config.add_regularizers=r9:1")),
    Case("negative regularizer weight", "train", _train("--config.add_regularizers=r1:-5")),
    Case("unknown augmentation", "train", _train("--config.augmentation.name=mixup")),
    Case("LAPGAN level beyond its pyramid", "train", _train("--config.pyramid_level=3")),
    Case("unknown flag", "train", ("experiments.train", "--work_dir=$TMP/w")),
    Case("missing config file", "train",
         ("experiments.train", "--workdir", "$TMP/w", "--config=$TMP/nope.py")),
    # --- experiments.train: the workdir and what is in it ------------------------------
    Case("workdir is a file", "workdir", ("experiments.train", "--workdir", "$TMP/notes.txt"),
         setup=(("notes.txt", "precious"),)),
    Case("workdir cannot be written", "workdir",
         ("experiments.train", "--workdir", "/proc/jaxgan_workdir"), absent=()),
    Case("compilation cache is a file", "workdir",
         _train("--config.compilation_cache_dir=$TMP/cache.txt"),
         setup=(("cache.txt", "precious"),)),
    Case("resume with a changed model", "workdir",
         ("experiments.train", "--workdir", "$RUN", "--config.data_dir=$DATA", *TINY[:1],
          "--config.discriminator.ndf=8", *TINY[2:]), absent=()),
    # --- experiments.evaluate and experiments.sample -----------------------------------
    Case("evaluate without --workdir", "evaluate", ("experiments.evaluate",), absent=()),
    Case("evaluate a missing workdir", "evaluate",
         ("experiments.evaluate", "--workdir", "$TMP/w"), absent=()),
    Case("evaluate a file", "evaluate", ("experiments.evaluate", "--workdir", "$TMP/notes.txt"),
         setup=(("notes.txt", "precious"),), absent=()),
    Case("evaluate a directory that is not a run", "evaluate",
         ("experiments.evaluate", "--workdir", "$TMP"), setup=(("notes.txt", "precious"),),
         absent=()),
    Case("sample zero images", "evaluate",
         ("experiments.sample", "--workdir", "$RUN", "--num_samples=0"), absent=()),
    Case("sample a step that was not saved", "evaluate",
         ("experiments.sample", "--workdir", "$RUN", "--step=999"), absent=()),
    Case("sample with an unknown flag", "evaluate",
         ("experiments.sample", "--workdir", "$RUN", "--count=4"), absent=()),
    # --- jaxgan.fid: files ---------------------------------------------------------------
    Case("FID of a missing folder", "files", ("jaxgan.fid", "$TMP/a", "$TMP/b"), absent=()),
    Case("weights .npz that is empty", "files",
         ("jaxgan.fid", "$TMP", "$TMP", "--weights", "$TMP/weights.npz"),
         setup=(("weights.npz", ""),), absent=()),
    Case("weights that are not a state dict", "files",
         ("jaxgan.fid", "--convert", "$TMP/weights.pth", "$TMP/out.npz"),
         setup=(("weights.pth", "not a zip file"),), absent=("$TMP/out.npz",)),
    # --- The Python API ------------------------------------------------------------------
    Case("GAN with an unknown loss", "api", api=(
        "from jaxgan.step import GAN\nfrom jaxgan.models import MLPGenerator, MLPDiscriminator\n"
        "import optax\nGAN(generator=MLPGenerator(output_dim=2), "
        "discriminator=MLPDiscriminator(input_dim=2), generator_optimizer=optax.adam(1e-3), "
        "discriminator_optimizer=optax.adam(1e-3), loss='wgan', latent_dim=2)"), absent=()),
    Case("loss outputs of different shapes", "api", api=(
        "import jax.numpy as jnp\nfrom jaxgan import losses\n"
        "losses.non_saturating_discriminator_loss(jnp.zeros((8, 1)), jnp.zeros((8,)))"),
        absent=()),
    Case("regularizer term without a weight", "api", api=(
        "from jaxgan.objectives import parse_terms\nparse_terms('r1')"), absent=()),
    Case("unknown regularizer option", "api", api=(
        "from jaxgan import regularizers\nregularizers.get('r1', gamma=10.0)"), absent=()),
)  # fmt: skip


def _substitute(text: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        text = text.replace(name, value)
    return text


def _generalise(text: str, places: dict[str, str]) -> str:
    for name, value in sorted(places.items(), key=lambda item: -len(item[1])):
        text = text.replace(value, name)
    return re.sub(r"\s+", " ", text).strip()


def _environment() -> dict:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "COLUMNS": "200"}
    env.pop("XLA_FLAGS", None)
    return env


def run_case(case: Case, tmp: pathlib.Path, places: dict[str, str], *, in_process=False) -> dict:
    """Runs ``case`` in ``tmp``; returns its exit status, message and what it touched.

    By default in a subprocess, as a user would; ``in_process`` calls the entry point's
    ``main`` (or executes the API code) in this process instead -- the same code path
    without the interpreter's start-up, which the test suite uses for speed.
    """
    places = {**places, "$TMP": str(tmp)}
    tmp.mkdir(parents=True, exist_ok=True)
    for name, content in case.setup:
        (tmp / name).write_text(content)
    before = {name: _digest(tmp / name) for name, _ in case.setup}
    run_dir = places.get("$RUN")
    run_before = _tree_digest(pathlib.Path(run_dir)) if run_dir else None
    if in_process and not case.own_process:
        returncode, stderr = _in_process(case, places)
    else:
        returncode, stderr = _subprocess(case, places)
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    return {
        "returncode": returncode,
        "errors": [_generalise(line, places) for line in errors],
        "traceback": "Traceback" in stderr,
        "stderr": stderr,
        "unchanged": all(_digest(tmp / name) == digest for name, digest in before.items()),
        "run_unchanged": run_before is None or _tree_digest(pathlib.Path(run_dir)) == run_before,
        "created": [p for p in case.absent if pathlib.Path(_substitute(p, places)).exists()],
    }


def _subprocess(case: Case, places: dict[str, str]) -> tuple[int, str]:
    if case.api:
        code = (
            "import sys\ntry:\n" + "".join(f"    {line}\n" for line in case.api.splitlines())
            + "except Exception as error:\n"
            "    print(f'error: {type(error).__name__}: {error}', file=sys.stderr); sys.exit(2)\n"
        )  # fmt: skip
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-m", *(_substitute(arg, places) for arg in case.argv)]
    result = subprocess.run(
        command, cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=600
    )
    return result.returncode, result.stderr


def _in_process(case: Case, places: dict[str, str]) -> tuple[int, str]:
    import contextlib
    import importlib
    import io
    import traceback

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            if case.api:
                try:
                    exec(case.api, {})  # noqa: S102 -- the catalogue's own code
                    returncode = 0
                except Exception as error:
                    print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
                    returncode = 2
            else:
                module, *args = (_substitute(arg, places) for arg in case.argv)
                # absl entry points take argv with the program name; argparse ones without.
                argv = args if module == "jaxgan.fid" else [module, *args]
                returncode = importlib.import_module(module).main(argv)
        except SystemExit as exit_:
            returncode = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:
            traceback.print_exc()
            returncode = 1
    return returncode, stderr.getvalue()


def _digest(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def _tree_digest(root: pathlib.Path) -> str:
    """A digest of the checkpoints and records of a run (not its TensorBoard events)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "tensorboard" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + _digest(path).encode())
    return digest.hexdigest()


def command_text(case: Case) -> str:
    if case.api:
        return case.api.splitlines()[-1]
    return "python -m " + " ".join(case.argv)


def read_table(path: pathlib.Path = TABLE) -> dict[str, tuple[int, str]]:
    """``{case name: (exit status, message)}`` from the docs table."""
    rows = {}
    for line in path.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[2].isdigit():
            rows[cells[0]] = (int(cells[2]), cells[3].strip("`").replace("\\|", "|"))
    return rows


def write_table(results: dict[str, dict], path: pathlib.Path = TABLE) -> None:
    groups = {
        "train": "`experiments.train`: flags and config fields",
        "workdir": "`experiments.train`: the workdir and what is in it",
        "evaluate": "`experiments.evaluate` and `experiments.sample`",
        "files": "`jaxgan.fid`: files",
        "api": "The Python API (the exception's type and message)",
    }
    lines = [
        "# Bad inputs, and what jaxgan says",
        "",
        f"{len(CASES)} inputs a user might get wrong, each tried on purpose. Every one fails "
        "with exactly one `error:` line on stderr and no traceback, creates nothing (a "
        "failed `experiments.train` does not even create its workdir) and changes no file "
        "that was there before (workdirs, checkpoints, weights). `$TMP` is a scratch "
        "directory, `$RUN` a finished 2-step run, `$DATA` the TFDS data directory.",
        "",
        "Regenerate with `python -m experiments.bad_inputs --write docs/bad_inputs.md`; "
        "`tests/experiments/test_bad_inputs.py` runs every case and checks it against this "
        "table.",
    ]
    for group, title in groups.items():
        lines += ["", f"## {title}", "", "| input | command | exit | message |",
                  "|---|---|---|---|"]  # fmt: skip
        for case in CASES:
            if case.group != group:
                continue
            result = results[case.name]
            message = result["errors"][0] if result["errors"] else "(no error line)"
            message = message.removeprefix("error: ").replace("|", "\\|")
            command = command_text(case).replace("|", "\\|")
            lines.append(f"| {case.name} | `{command}` | {result['returncode']} | `{message}` |")
    path.write_text("\n".join(lines) + "\n")


def finished_run(root: pathlib.Path, data_dir: str) -> str:
    """A 2-step tiny run's workdir (``$RUN``), made once."""
    workdir = root / "run"
    if not (workdir / "summary.json").exists():
        subprocess.run(
            [sys.executable, "-m", "experiments.train", "--workdir", str(workdir),
             f"--config.data_dir={data_dir}", *TINY],
            cwd=ROOT, env=_environment(), check=True, capture_output=True,
        )  # fmt: skip
    return str(workdir)


def main(argv=None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=pathlib.Path, default=None)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = pathlib.Path(scratch)
        places = {"$DATA": str(root / "tfds")}
        places["$RUN"] = finished_run(root, places["$DATA"])
        results = {}
        for index, case in enumerate(CASES):
            if args.only and case.name not in args.only:
                continue
            results[case.name] = run_case(case, root / f"case{index}", places)
            result = results[case.name]
            print(f"{case.name:40s} {result['returncode']:3d} {result['errors'][:1]}", flush=True)
    if args.write:
        write_table(results, args.write)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
