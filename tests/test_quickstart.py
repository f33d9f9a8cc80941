"""The README's main job (experiments.quickstart) trains and learns."""

import numpy as np
import pytest

from experiments import quickstart


def test_quickstart_moves_generator_to_data_mean():
    real, generated, d_real = quickstart.train(steps=600, loss="non_saturating", r1_weight=0.5)
    # The generator starts near 0 (a freshly initialised MLP); the data sit at 4 +- 0.5.
    assert abs(float(np.mean(real)) - quickstart.DATA_MEAN) < 0.05
    assert abs(float(np.mean(generated)) - quickstart.DATA_MEAN) < 0.5
    assert 0.3 < float(d_real) < 0.7


def test_quickstart_rejects_unknown_loss(capsys):
    with pytest.raises(SystemExit):
        quickstart.main(["--loss", "nope"])
    assert "unknown loss family 'nope'" in capsys.readouterr().err
