"""Generated submissions for the similarity report: copies disguised the way students
disguise them, and solutions written independently of the course's.

- :data:`OTHER_SOLUTIONS`: a second correct solution of several parts, written apart from
  course_solution.py (log-sum-exp softmax, other loop structures, ``@`` and methods instead of
  ``np.dot`` and functions, one-hot matrices instead of index tricks);
- :func:`disguise`: a region's code with its local names renamed and its independent
  neighbouring assignments swapped (only where the order is free: neither reads or writes
  what the other writes);
- :func:`write_submission`: a submission zip of the student release with given regions filled.
"""
from __future__ import annotations

import ast
import re
import shutil
import textwrap
import zipfile
from pathlib import Path

from staff.grade.grader import editable_files
from staff.tests.student_tree import fill

NN = "cs231n/classifiers/neural_net.py:TwoLayerNet"
KNN = "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor"

OTHER_SOLUTIONS = {
    f"{NN}.loss:1": """
        hidden = np.maximum(X @ W1 + b1, 0.0)
        scores = hidden @ W2 + b2
    """,
    f"{NN}.loss:2": """
        shifted = scores - scores.max(axis=1)[:, None]
        log_z = np.log(np.exp(shifted).sum(axis=1))
        log_p = shifted - log_z[:, None]
        loss = -log_p[np.arange(N), y].mean()
        loss += 0.5 * reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
    """,
    f"{NN}.loss:3": """
        onehot = np.zeros_like(log_p)
        onehot[np.arange(N), y] = 1.0
        g_out = (np.exp(log_p) - onehot) / N
        grads['b2'] = g_out.sum(axis=0)
        grads['W2'] = hidden.T @ g_out + reg * W2
        g_hid = (g_out @ W2.T) * (hidden > 0)
        grads['b1'] = g_hid.sum(axis=0)
        grads['W1'] = X.T @ g_hid + reg * W1
    """,
    f"{KNN}.compute_distances_no_loops:1": """
        diff_sq = (X ** 2).sum(axis=1)[:, None] - 2 * X @ X_train.T
        diff_sq += (X_train ** 2).sum(axis=1)[None, :]
        dists = np.sqrt(np.clip(diff_sq, 0, None))
    """,
    "cs231n/classifiers/linear_svm.py:svm_loss_naive:1": """
        n = X.shape[0]
        for row in range(n):
            s = W.T.dot(X[row])
            for c in range(W.shape[1]):
                if c != y[row] and s[c] - s[y[row]] + 1 > 0:
                    loss += s[c] - s[y[row]] + 1
                    dW[:, c] = dW[:, c] + X[row]
                    dW[:, y[row]] = dW[:, y[row]] - X[row]
        loss = loss / n + 0.5 * reg * (W ** 2).sum()
        dW = dW / n + reg * W
    """,
    "cs231n/classifiers/softmax.py:softmax_loss_naive:1": """
        n, c = X.shape[0], W.shape[1]
        for row in range(n):
            f = X[row] @ W
            m = f.max()
            lse = m + np.log(np.exp(f - m).sum())
            loss += lse - f[y[row]]
            for k in range(c):
                p_k = np.exp(f[k] - lse)
                dW[:, k] += (p_k - float(k == y[row])) * X[row]
        loss = loss / n + 0.5 * reg * (W ** 2).sum()
        dW = dW / n + reg * W
    """,
    "cs231n/classifiers/softmax.py:softmax_loss_vectorized:1": """
        n = len(y)
        f = X @ W
        f = f - f.max(axis=1, keepdims=True)
        log_p = f - np.log(np.exp(f).sum(axis=1, keepdims=True))
        onehot = np.eye(W.shape[1])[y]
        loss = -(onehot * log_p).sum() / n + 0.5 * reg * (W ** 2).sum()
        dW = X.T @ (np.exp(log_p) - onehot) / n + reg * W
    """,
    "cs231n/optim.py:adam:1": """
        b1, b2, eps = config['beta1'], config['beta2'], config['epsilon']
        t = config['t'] + 1
        m = b1 * config['m'] + (1 - b1) * dw
        v = b2 * config['v'] + (1 - b2) * dw * dw
        step = config['learning_rate'] * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        next_w = w - step * m / (np.sqrt(v) + eps)
        config.update(t=t, m=m, v=v)
    """,
}

#: Local names a copier renames (never the names the code around a region declares or reads)
RENAMES = {
    "z1": "pre_act", "a1": "act", "exp_scores": "e", "probs": "prob", "correct_logprobs": "nll",
    "data_loss": "ce", "reg_loss": "penalty", "dscores": "delta", "dhidden": "back",
    "sample_indices": "idx", "indices": "picked", "num_train": "n_samples",
    "num_classes": "n_cls", "correct_class_score": "target", "margin": "gap",
    "margins": "gaps", "binary": "mask", "test_sq": "aa", "train_sq": "bb", "cross": "ab",
    "closest_y": "near", "shifted_logits": "z", "log_probs": "logp", "layer_dims": "dims",
    "h1": "hid", "cache_h1": "c_hid", "cache_scores": "c_out", "dh1": "d_hid", "dh": "dback",
    "m_hat": "m_corr", "v_hat": "v_corr", "i": "ii", "j": "jj", "k": "kk",
}
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign)


def rename(code, renames=RENAMES):
    """``code`` with each whole-word name of ``renames`` replaced (not after a dot, not in
    strings: the course's solutions keep keys in quotes)."""
    pattern = re.compile(r"(?<![.\w'\"])(" + "|".join(map(re.escape, renames)) + r")(?![\w'\"])")
    return pattern.sub(lambda m: renames[m.group(1)], code)


def _targets(node):
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _base(target):
    while isinstance(target, (ast.Subscript, ast.Attribute)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _effects(node):
    """(names read, base names written, whole targets written) of a simple statement; the
    base of a subscript or attribute target (``grads`` in ``grads['W1'] = ...``) is written,
    not read."""
    skip = set()
    for target in _targets(node):
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        skip.add(id(target))
    reads = {n.id for n in ast.walk(node)
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in skip}
    written = {_base(t) for t in _targets(node)} - {None}
    whole = {ast.unparse(t) for t in _targets(node)}
    if isinstance(node, ast.AugAssign):
        reads |= written
    return reads, written, whole


def _independent(a, b):
    if not (isinstance(a, _SIMPLE) and isinstance(b, _SIMPLE)):
        return False
    (ra, wa, fa), (rb, wb, fb) = _effects(a), _effects(b)
    plain_a = {_base(t) for t in _targets(a) if isinstance(t, ast.Name)}
    plain_b = {_base(t) for t in _targets(b) if isinstance(t, ast.Name)}
    return not (wa & rb or wb & ra or fa & fb or plain_a & wb or plain_b & wa)


def reorder(code):
    """``code`` with independent neighbouring assignments swapped, pair by pair."""
    code = textwrap.dedent(code).strip("\n") + "\n"
    lines = code.splitlines(keepends=True)
    body = ast.parse(code).body
    chunks = ["".join(lines[s.lineno - 1:s.end_lineno]) for s in body]
    k = 0
    while k + 1 < len(body):
        if _independent(body[k], body[k + 1]):
            chunks[k], chunks[k + 1] = chunks[k + 1], chunks[k]
            k += 2
        else:
            k += 1
    return "".join(chunks)


def disguise(solutions):
    """Every region of ``solutions`` renamed and reordered where its order is free."""
    return {key: reorder(rename(textwrap.dedent(code))) for key, code in solutions.items()}


def write_submission(release, solutions, zip_path, edit=None):
    """Zip the editable files of ``release`` with ``solutions`` filled in (the other regions
    keep their placeholders); ``edit(rel, text) -> text`` may change a file first."""
    tree = Path(zip_path).with_suffix(".tree")
    tree.mkdir(parents=True)
    try:
        files = [rel for rel in editable_files(release) if (Path(release) / rel).is_file()
                 and not rel.endswith(".npz")]
        for rel in files:
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(release) / rel, tree / rel)
        fill(tree, solutions, require_all=False)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel in files:
                text = (tree / rel).read_text(encoding="utf-8")
                archive.writestr(rel, edit(rel, text) if edit else text)
    finally:
        shutil.rmtree(tree)
    return Path(zip_path)
