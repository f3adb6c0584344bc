"""`real_batches`: critic updates reuse the `fit` batch, or take fresh minibatches of it
(Algorithm 1 of Arjovsky et al., 2017 and Gulrajani et al., 2017)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf


@pytest.mark.parametrize("n", [16, 17, 2])
def test_fresh_minibatches_partition_the_batch(make_model, n):
    model = make_model("WGANGP", critic_steps=3, real_batches="fresh")
    real = tf.range(n, dtype=tf.float32)[:, None]
    parts = [p.numpy()[:, 0] for p, _ in model.real_minibatches(real, None)]
    assert len(parts) == 3 and all(len(p) > 0 for p in parts)
    if n >= 3:
        joined = np.sort(np.concatenate(parts))
        np.testing.assert_array_equal(joined, np.arange(n))  # disjoint, nothing left out
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_fresh_critic_updates_see_new_data_and_reuse_sees_the_same(make_model, vector_data):
    x, _ = vector_data
    seen = {}
    for mode in ("fresh", "reuse"):
        model = make_model("WGANGP", critic_steps=4, real_batches=mode)
        model.compile(run_eagerly=True)
        update = model.discriminator_update
        batches = seen.setdefault(mode, [])

        def recording(real, labels, step, update=update, batches=batches):
            batches.append(real.numpy())
            return update(real, labels, step)

        model.discriminator_update = recording
        model.fit(x[:32], batch_size=32, epochs=1, verbose=0)
    assert [len(b) for b in seen["fresh"]] == [8, 8, 8, 8]
    rows = {row.tobytes() for batch in seen["fresh"] for row in batch}
    assert len(rows) == 32
    assert all(np.array_equal(b, seen["reuse"][0]) for b in seen["reuse"])


def test_real_batches_is_checked_and_saved(make_model, tmp_path, vector_data):
    with pytest.raises(ValueError, match="real_batches"):
        make_model("WGAN", real_batches="new")
    model = make_model("WGANGP", critic_steps=2, real_batches="fresh")
    model.compile()
    model.fit(vector_data[0], batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.real_batches == "fresh" and loaded.critic_steps == 2
