"""ImageCNN: one step's loss against a NumPy transcription, learning a known split, seeds,
save/load, refusals (one class, other checkpoints) and Ctrl-C (needs torch and Pillow)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="image embeddings need the images extra: pip install 'embedlab[images]'")
Image = pytest.importorskip("PIL.Image", reason="image inputs need Pillow: pip install 'embedlab[images]'")

from embedlab.corpus.images import images_from_arrays, read_images  # noqa: E402
from embedlab.exceptions import DataError, FormatError, InvalidParameterError  # noqa: E402
from embedlab.models.cnn import ImageCNN, _network, stratified_split  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402

QUIET = dict(show_progress=False, n_threads=1, random_state=0)


def squares(n_per_class: int = 24, size: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noise images with a bright square in one of three corners: the corner is the class."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.3, (3 * n_per_class, size, size)).astype(np.float32)
    y = np.repeat(np.arange(3), n_per_class)
    h = size // 2
    for i, c in enumerate(y):
        r, col = [(0, 0), (0, h), (h, 0)][c]
        x[i, r:r + h, col:col + h] += 0.7
    return x, y


def write_folder(root, x, y):
    for i, (img, lab) in enumerate(zip(x, y)):
        (root / f"c{lab}").mkdir(parents=True, exist_ok=True)
        Image.fromarray((img * 255).astype(np.uint8)).save(root / f"c{lab}" / f"{i:03d}.png")
    return root


# ------------------------------------------------------------------ oracle
def _np_forward(x, p, mean, std):
    """NumPy transcription of one block (conv3x3 no bias, batch norm in training mode, ReLU, 2x2
    max pool), global average pooling, the embedding layer, ReLU and the classifier."""
    z = (x - mean) / std
    b, c, h, w = z.shape
    W = p["features.0.weight"]
    pad = np.pad(z, ((0, 0), (0, 0), (1, 1), (1, 1)))
    conv = np.zeros((b, W.shape[0], h, w))
    for o in range(W.shape[0]):
        for i in range(h):
            for j in range(w):
                conv[:, o, i, j] = (pad[:, :, i:i + 3, j:j + 3] * W[o]).sum(axis=(1, 2, 3))
    mu = conv.mean(axis=(0, 2, 3), keepdims=True)
    var = conv.var(axis=(0, 2, 3), keepdims=True)  # biased, as batch norm normalises with
    bn = p["features.1.weight"][None, :, None, None] * (conv - mu) / np.sqrt(var + 1e-5) + p["features.1.bias"][None, :, None, None]
    r = np.maximum(bn, 0)
    pooled = r.reshape(b, W.shape[0], h // 2, 2, w // 2, 2).max(axis=(3, 5))
    g = pooled.mean(axis=(2, 3))
    emb = g @ p["embed.weight"].T + p["embed.bias"]
    hid = np.maximum(emb, 0)
    return emb, hid, hid @ p["head.weight"].T + p["head.bias"]


def _tiny(objective: str):
    model = ImageCNN(size=4, widths=(2,), embedding_dim=3, dropout=0.0, objective=objective, margin=0.3)
    net = _network(torch, 1, 4, [2], 3, 2 if objective == "softmax" else 0, 0.0)
    rng = np.random.default_rng(7)
    params = {}
    with torch.no_grad():
        for name, t in net.named_parameters():
            value = rng.normal(0, 0.5, tuple(t.shape))
            t.copy_(torch.from_numpy(value))
            params[name] = value
        net.mean.fill_(0.25)
        net.std.fill_(0.5)
    net.train()
    x = rng.uniform(0, 1, (6, 1, 4, 4))
    y = np.array([0, 1, 0, 1, 1, 0])
    return model, net, params, x, y


def test_softmax_step_loss_and_head_gradient_match_numpy():
    model, net, p, x, y = _tiny("softmax")
    xt = torch.from_numpy(x.astype(np.float32))
    loss = model._loss(torch, net, xt, torch.from_numpy(y))
    loss.backward()
    emb, hid, logits = _np_forward(x, p, 0.25, 0.5)
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(len(y)), y].mean()
    assert float(loss.detach()) == pytest.approx(expected, rel=1e-5)
    softmax = np.exp(logp)
    softmax[np.arange(len(y)), y] -= 1
    np.testing.assert_allclose(net.head.weight.grad.numpy(), softmax.T @ hid / len(y), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(net.embedding(xt).detach().numpy(), emb, rtol=1e-4, atol=1e-6)


def test_triplet_step_loss_matches_numpy_batch_hard():
    model, net, p, x, y = _tiny("triplet")
    p = {**p, "head.weight": np.zeros((1, 3)), "head.bias": np.zeros(1)}
    loss = model._loss(torch, net, torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y))
    emb = _np_forward(x, p, 0.25, 0.5)[0]
    e = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    d = np.linalg.norm(e[:, None] - e[None], axis=2)
    terms = []
    for i in range(len(y)):
        pos = [d[i, j] for j in range(len(y)) if j != i and y[j] == y[i]]
        neg = [d[i, j] for j in range(len(y)) if y[j] != y[i]]
        terms.append(max(0.0, max(pos) - min(neg) + 0.3))
    assert float(loss.detach()) == pytest.approx(np.mean(terms), rel=1e-4)


# ------------------------------------------------------------------ training
def test_learns_the_corner_and_embeds_every_image():
    x, y = squares()
    col = images_from_arrays(x, y, size=8)
    model = ImageCNN(size=8, widths=(8, 16), embedding_dim=8, epochs=15, patience=15, lr=1e-2, batch_size=16,
                     **QUIET).fit(col)
    kv = model.vectors_
    assert isinstance(kv, KeyedVectors) and kv.vectors.shape == (72, 8) and kv.index_to_key[:2] == ["0", "1"]
    assert model.best_score_ >= 0.9 and model.classes_ == ["0", "1", "2"]
    # nearest neighbour (cosine) of each image is of its class
    u = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    sim = u @ u.T
    np.fill_diagonal(sim, -np.inf)
    assert (y[sim.argmax(axis=1)] == y).mean() >= 0.9
    meta = kv.metadata
    assert meta["method"] == "cnn" and meta["classes"] == ["0", "1", "2"] and meta["labels"][0] == "0"
    assert meta["preprocessing"]["size"] == 8 and len(meta["preprocessing"]["mean"]) == 1
    assert meta["training"]["validation_images"] == 6 and model.epochs_run_ == len(model.loss_history_)


def test_same_seed_one_thread_same_vectors_and_triplet_objective():
    col = images_from_arrays(*squares(8), size=8)
    params = dict(size=8, widths=(4,), embedding_dim=4, epochs=2, batch_size=8, **QUIET)
    a = ImageCNN(**params).fit(col).vectors_.vectors
    b = ImageCNN(**params).fit(col).vectors_.vectors
    np.testing.assert_array_equal(a, b)
    c = ImageCNN(**{**params, "random_state": 1}).fit(col).vectors_.vectors
    assert not np.allclose(a, c)
    t = ImageCNN(**{**params, "objective": "triplet"}).fit(col)
    assert t.vectors_.vectors.shape == (24, 4) and np.isfinite(t.loss_history_).all()


def test_stratified_split_keeps_every_class_and_single_images_in_training():
    labels = ["a"] * 10 + ["b"] * 3 + ["c"]
    tr, va = stratified_split(labels, np.arange(14), 0.2, np.random.default_rng(0))
    assert sorted([labels[i] for i in va]) == ["a", "a", "b"] and 13 in tr
    assert sorted(np.concatenate([tr, va]).tolist()) == list(range(14))


def test_one_class_and_wrong_inputs_are_refused_in_one_line(tmp_path):
    x, y = squares(4)
    root = write_folder(tmp_path / "one", x[:4], y[:4])
    with pytest.raises(DataError, match=r"single class \('c0'\); the softmax objective needs at least 2") as info:
        ImageCNN(size=8, **QUIET).fit(root)
    assert "\n" not in str(info.value)
    with pytest.raises(DataError, match="no labels"):
        ImageCNN(size=8, **QUIET).fit(images_from_arrays(x, size=8))
    with pytest.raises(InvalidParameterError, match="'size' is 16 but the images were read at size 8"):
        ImageCNN(size=16, **QUIET).fit(images_from_arrays(x, y, size=8))
    with pytest.raises(InvalidParameterError, match="'widths'"):
        ImageCNN(size=8, widths=(4, 0), **QUIET).fit(images_from_arrays(x, y, size=8))
    with pytest.raises(InvalidParameterError, match="device 'tpu9'"):
        ImageCNN(size=8, device="tpu9", **QUIET).fit(images_from_arrays(x, y, size=8))


def test_folder_training_save_load_and_other_checkpoints_refused(tmp_path):
    x, y = squares(6)
    root = write_folder(tmp_path / "imgs", x, y)
    (root / "c1" / "broken.png").write_bytes(b"")
    model = ImageCNN(size=8, widths=(4,), embedding_dim=4, epochs=2, batch_size=8, **QUIET).fit(root)
    kv = model.vectors_
    assert kv.index_to_key[0] == "c0/000.png" and kv.metadata["skipped_files"] == 1
    path = model.save(tmp_path / "model.npz")
    back = ImageCNN.load(path)
    col = read_images(root, size=8)
    np.testing.assert_allclose(back.transform(col), model.transform(col), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(back.encode(root).vectors, kv.vectors, rtol=1e-6, atol=1e-6)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    from embedlab.vectors.io import save_vectors

    save_vectors(kv, tmp_path / "vectors.npz")
    with pytest.raises(FormatError, match="not an ImageCNN checkpoint"):
        ImageCNN.load(tmp_path / "vectors.npz")
    torch.save({"w": torch.zeros(2)}, tmp_path / "resnet.pt")
    with pytest.raises(FormatError, match=r"PyTorch/pickle checkpoint \(torch.save\), not an ImageCNN checkpoint"):
        ImageCNN.load(tmp_path / "resnet.pt")
    with pytest.raises(DataError, match="trained on 1"):
        back.encode(images_from_arrays(np.zeros((2, 8, 8, 3)), size=8))


def test_ctrl_c_keeps_the_best_epoch_and_says_interrupted():
    col = images_from_arrays(*squares(8), size=8)

    def interrupt(epoch, elapsed, metrics):
        if epoch == 2:
            raise KeyboardInterrupt

    model = ImageCNN(size=8, widths=(4,), epochs=5, patience=5, batch_size=8, callbacks=interrupt, **QUIET).fit(col)
    assert model.interrupted_ and model.epochs_run_ == 2 and model.vectors_.metadata["training"]["interrupted"]
