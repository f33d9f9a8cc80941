"""The benchmark harness on tiny settings: its JSON fields, and both frameworks' models agree.

Timings are never asserted.
"""

import json

import jax
import numpy as np
import pytest

from experiments import benchmark

FIELDS = {
    "model", "strategy", "devices", "batch_size", "steps_per_s", "images_per_s", "compile_s",
    "first_step_s", "flops_per_step", "fraction_of_matmul_peak", "generator_params",
    "discriminator_params", "device_kind", "conv_implementation", "compilation_cache", "temp_mib",
    "precision", "minibatch_discrimination", "remat", "micro_batches", "flops_counted_on",
}  # fmt: skip


@pytest.mark.parametrize("strategy,devices", [("single", 1), ("sharded", 2), ("pmap", 2)])
def test_harness_reports_every_field(capsys, strategy, devices):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--strategy", strategy,
            "--devices", str(devices), "--repeats", "1", "--steps", "1", "--json"]  # fmt: skip
    assert benchmark.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert FIELDS <= set(result)
    assert result["strategy"] == strategy and result["devices"] == devices
    assert result["images_per_s"] == pytest.approx(result["steps_per_s"] * 16)
    assert result["generator_params"] == 2 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2
    if strategy != "pmap":
        assert result["flops_per_step"] > 0 and result["fraction_of_matmul_peak"] > 0
        assert result["temp_mib"] > 0


def test_compare_single_times_the_plain_jit_step_in_the_same_run(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--strategy", "sharded",
            "--devices", "1", "--repeats", "1", "--steps", "1", "--json",
            "--compare", "single"]  # fmt: skip
    assert benchmark.main(args) == 0
    sharded, single = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert (sharded["strategy"], single["strategy"]) == ("sharded", "single")
    assert sharded["ratio_vs_single"] == pytest.approx(
        sharded["images_per_s"] / single["images_per_s"]
    )


def test_compare_plain_times_the_model_without_its_terms_interleaved(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--repeats", "2", "--steps", "2",
            "--json", "--regularizer", "r1:5:2", "--regularizer", "lecam:0.3",
            "--compare", "plain"]  # fmt: skip
    assert benchmark.main(args) == 0
    with_terms, plain = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert with_terms["regularizers"] == ["r1:5:2", "lecam:0.3"] and plain["regularizers"] == []
    assert with_terms["ratio_vs_plain"] == pytest.approx(
        with_terms["images_per_s"] / plain["images_per_s"]
    )
    # R1's second-order pass shows in XLA's count (both lax.cond branches are counted).
    assert with_terms["flops_per_step"] > plain["flops_per_step"]


def test_minibatch_discrimination_flag_against_plain(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--repeats", "1", "--steps", "1",
            "--json", "--minibatch-discrimination", "10:3", "--compare", "plain"]  # fmt: skip
    assert benchmark.main(args) == 0
    with_layer, plain = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert with_layer["minibatch_discrimination"] == "10:3"
    assert plain["minibatch_discrimination"] is None
    # The kernel (128 features x 10 kernels x 3) and 10 more inputs to D's last layer.
    extra = with_layer["discriminator_params"] - plain["discriminator_params"]
    assert extra == 128 * 10 * 3 + 10


def test_minibatch_discrimination_reaches_the_convolutional_discriminator():
    gan, _ = benchmark.build("wgangp28")
    gan = benchmark.with_objective(gan, (), None, "100:5:projected")
    assert gan.discriminator.minibatch_discrimination == 100
    assert gan.discriminator.minibatch_kernel_dim == 5
    assert gan.discriminator.minibatch_features == "projected"


@pytest.mark.parametrize(
    "flag,message",
    [
        ("10:x", "--minibatch-discrimination '10:x': expected KERNELS[:DIM[:FEATURES]]"),
        ("10:5:pooled", "MLPDiscriminator compares its features as they are"),
    ],
)
def test_bad_minibatch_discrimination_flag(capsys, flag, message):
    assert benchmark.main(["--model", "mlp_ring8", "--minibatch-discrimination", flag]) == 2
    assert message in capsys.readouterr().err


def test_bfloat16_against_float32_in_the_same_run(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--repeats", "1", "--steps", "1",
            "--json", "--precision", "bfloat16", "--compare", "float32"]  # fmt: skip
    assert benchmark.main(args) == 0
    low, full = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert (low["precision"], full["precision"]) == ("bfloat16", "float32")
    assert low["ratio_vs_float32"] == pytest.approx(low["images_per_s"] / full["images_per_s"])
    assert low["generator_params"] == full["generator_params"]  # parameters stay float32


def test_remat_flag_reaches_both_players(capsys):
    assert benchmark.main(["--model", "mlp_ring8", "--remat"]) == 2
    assert "--remat: 'mlp_ring8' has no rematerialised blocks" in capsys.readouterr().err
    _, info = benchmark.prepare_jax("dcgan28", batch_size=2, strategy="single", devices=1,
                                    remat=True)  # fmt: skip
    assert info["remat"] is True


def test_micro_batches_against_the_whole_batch_in_the_same_run(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--repeats", "1", "--steps", "1",
            "--json", "--micro-batches", "4", "--compare", "whole_batch",
            "--strategy", "single"]  # fmt: skip
    assert benchmark.main(args) == 0
    micro, whole = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert (micro["micro_batches"], whole["micro_batches"]) == (4, 1)
    assert micro["ratio_vs_whole_batch"] == pytest.approx(
        micro["images_per_s"] / whole["images_per_s"]
    )
    # The loop's body counts once in XLA's cost analysis: the micro-batched row reports the
    # whole-batch step's FLOPs, counted on its lowered program (within 5% of the compiled).
    assert micro["flops_counted_on"] == "whole-batch step (lowered)"
    assert micro["flops_per_step"] == pytest.approx(whole["flops_per_step"], rel=0.05)
    assert micro["temp_mib"] < whole["temp_mib"]


def test_micro_batches_that_do_not_divide_the_batch(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--devices", "2", "--strategy",
            "sharded", "--micro-batches", "3"]  # fmt: skip
    assert benchmark.main(args) == 2
    assert (
        "batch_size=16 gives 8 examples per device, not divisible by micro_batches=3; use a "
        "batch_size that is a multiple of 6 (devices x micro_batches)"
    ) in capsys.readouterr().err
    assert benchmark.main(["--model", "mlp_ring8", "--micro-batches", "0"]) == 2
    assert "micro_batches=0 must be an integer >= 1" in capsys.readouterr().err


def test_resnet_has_no_torch_twin(capsys):
    assert benchmark.main(["--model", "wgangp_resnet32", "--compare", "torch"]) == 2
    assert "'wgangp_resnet32' has no PyTorch twin" in capsys.readouterr().err


def test_bad_regularizer_flag(capsys):
    assert benchmark.main(["--model", "mlp_ring8", "--regularizer", "r1"]) == 2
    assert "regularizer 'r1': use NAME:WEIGHT" in capsys.readouterr().err


def test_compilation_cache_flag(capsys, tmp_path, restore_compilation_cache):
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    args = ["--model", "mlp_ring8", "--batch-size", "16", "--repeats", "1", "--steps", "1",
            "--json", "--compilation-cache", str(tmp_path / "xla")]  # fmt: skip
    assert benchmark.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["compilation_cache"] == str(tmp_path / "xla")
    assert any(path.name.startswith("jit_train_step") for path in (tmp_path / "xla").iterdir())


def test_compilation_cache_that_is_a_file(capsys, tmp_path, restore_compilation_cache):
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    args = ["--model", "mlp_ring8", "--compilation-cache", str(target)]
    assert benchmark.main(args) == 2
    assert "notes.txt is a file" in capsys.readouterr().err
    assert target.read_text() == "precious"


def test_conv_implementation_reaches_the_models():
    for implementation in ("xla", "reformulated"):
        gan, _ = benchmark.build("dcgan28", implementation)
        assert gan.generator.conv_implementation == implementation
        assert gan.discriminator.conv_implementation == implementation


def test_report_table_and_plot(tmp_path):
    from experiments import benchmark_report

    rows = [
        {"framework": "jax", "model": "dcgan28", "conv_implementation": "auto",
         "strategy": "single", "devices": 1, "batch_size": 64, "steps_per_s": 8.0,
         "images_per_s": 512.0, "compile_s": 5.0, "flops_per_step": 9.6e9,
         "fraction_of_matmul_peak": 0.45, "ratio_vs_torch": 0.8},
        {"framework": "torch 2", "model": "dcgan28", "batch_size": 64, "steps_per_s": 10.0,
         "images_per_s": 640.0},
        {"framework": "jax", "model": "dcgan28", "conv_implementation": "auto",
         "strategy": "single", "devices": 1, "batch_size": 64, "steps_per_s": 7.5,
         "images_per_s": 480.0, "compile_s": 0.84, "flops_per_step": 9.6e9,
         "fraction_of_matmul_peak": 0.4, "compilation_cache": "/tmp/xla",
         "ratio_vs_single": 0.97},
    ]  # fmt: skip
    results = tmp_path / "results.jsonl"
    results.write_text("\n".join(json.dumps(row) for row in rows))
    table, plot = tmp_path / "table.md", tmp_path / "plot.png"
    assert benchmark_report.main([str(results), str(table), str(plot)]) == 0
    lines = table.read_text().splitlines()
    assert (
        lines[2]
        == "| dcgan28 | jax | auto | single | 1 | 64 | 8.00 | 512 | 5.0 | 9.60 | 45 | 0.80x torch |"
    )
    assert lines[3].startswith("| dcgan28 | torch 2 | - | - | - | 64 | 10.00 | 640 |")
    assert lines[4] == (
        "| dcgan28 | jax | auto | single | 1 | 64 | 7.50 | 480 | 0.8 (cached) | 9.60 | 40 | "
        "0.97x single |"
    )
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wgangp28_counts_five_critic_batches():
    gan, shape = benchmark.build("wgangp28")
    assert gan.n_critic == 5 and shape == (28, 28, 1)
    assert dict(gan.penalties) == {"gradient_penalty": 10.0}


def test_batch_not_divisible_by_devices(capsys):
    args = ["--model", "mlp_ring8", "--batch-size", "10", "--strategy", "sharded", "--devices", "4"]
    assert benchmark.main(args) == 2
    assert "batch_size=10 is not divisible by 4 devices" in capsys.readouterr().err


@pytest.mark.parametrize("model", benchmark.TORCH_MODELS)
def test_torch_models_have_the_same_parameters(model):
    pytest.importorskip("torch", reason="the test extra installs torch (see setup.cfg)")
    from experiments import benchmark_torch

    gan, shape = benchmark.build(model)
    batch = {
        "image": np.zeros(
            (gan.n_critic, 2, *shape) if gan.n_critic > 1 else (2, *shape), np.float32
        )
    }
    state = jax.eval_shape(lambda: gan.init(jax.random.key(0), batch))
    g, d, *_ = benchmark_torch.build(model)
    count = lambda tree: sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(tree))
    assert count(state.generator_params) == sum(p.numel() for p in g.parameters())
    assert count(state.discriminator_params) == sum(p.numel() for p in d.parameters())


def test_minibatch_benchmark_measures_both_forms(capsys):
    from experiments import benchmark_minibatch

    # 12 examples, 4 kernels: the one-block form holds the 4 x 12 x 12 tensor; 576 bytes.
    args = ["--sizes", "12", "--features", "6", "--kernels", "4", "--kernel-dim", "3",
            "--repeats", "1", "--max-run-mib", "0", "--json"]  # fmt: skip
    assert benchmark_minibatch.main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [(r["form"], r["derivative"]) for r in rows] == [
        (form, derivative)
        for form in ("one block", "chunked")
        for derivative in ("forward", "gradient", "penalty gradient")
    ]
    assert all(r["pairwise_mib"] == 4 * 12 * 12 * 4 / 2**20 for r in rows)
    assert all(r["ms"] is None and r["temp_mib"] > 0 for r in rows)  # nothing under 0 MiB


def test_minibatch_benchmark_rejects_a_batch_of_one(capsys):
    from experiments import benchmark_minibatch

    assert benchmark_minibatch.main(["--sizes", "1"]) == 2
    assert "--sizes [1] must be at least 2" in capsys.readouterr().err
