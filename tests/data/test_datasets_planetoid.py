"""Planetoid read by the restricted unpickler from small files made here in the real format,
against the standard loader (Kipf & Welling's utils.load_data) written with SciPy and networkx;
malicious pickles refused by name; the checksummed download; the karate club; and the check that
the reproduction runs on the real Cora files (checksums, sizes and the split)."""
import os
import pickle
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from wonderland.data.datasets import KarateClub, Planetoid, planetoid, sha256_file
from wonderland.data.datasets._safe_pickle import UnsafePickleError, safe_load

from .planetoid_files import N_TRAIN, N_VAL, write_planetoid


def kipf_load(root, name="cora"):
    """utils.load_data of Kipf's gcn repository, in its own steps (plain pickle: our files)."""
    parts = {k: pickle.loads((Path(root) / f"ind.{name}.{k}").read_bytes(), encoding="latin1")
             for k in ("x", "y", "tx", "ty", "allx", "ally", "graph")}
    order = [int(v) for v in (Path(root) / f"ind.{name}.test.index").read_text().split()]
    test = np.sort(order)
    tx, ty = parts["tx"], parts["ty"]
    full = range(min(order), max(order) + 1)
    if len(full) != tx.shape[0]:  # citeseer's fix
        wide = sp.lil_matrix((len(full), tx.shape[1]))
        wide[test - min(test), :] = tx
        tx = wide
        wide_y = np.zeros((len(full), ty.shape[1]))
        wide_y[test - min(test), :] = ty
        ty = wide_y
    features = sp.vstack((parts["allx"], tx)).tolil()
    features[order, :] = features[test, :]
    labels = np.vstack((parts["ally"], ty))
    labels[order, :] = labels[test, :]
    graph = nx.from_dict_of_lists(parts["graph"])  # Cora's keys run 0, 1, ... in order:
    graph.add_nodes_from(range(features.shape[0]))  # the node order Kipf's code relies on
    adj = nx.adjacency_matrix(graph, nodelist=range(features.shape[0]))
    return np.asarray(features.todense()), adj, labels, test


@pytest.mark.parametrize("gaps", [False, True])
def test_matches_the_standard_loader(tmp_path, gaps):
    write_planetoid(tmp_path, gaps=gaps)
    g = Planetoid(tmp_path, download=False, normalize=False)
    features, adj, labels, test = kipf_load(tmp_path)
    n = features.shape[0]
    np.testing.assert_array_equal(g.x, features)
    np.testing.assert_array_equal(g.y, labels.argmax(1))
    np.testing.assert_array_equal(g.test_index, test)
    np.testing.assert_array_equal(g.train_index, np.arange(N_TRAIN))
    np.testing.assert_array_equal(g.val_index, np.arange(N_TRAIN, N_TRAIN + N_VAL))
    want = adj.toarray() > 0
    np.fill_diagonal(want, False)  # loops dropped, duplicates merged, both directions kept
    got = np.zeros((n, n), dtype=bool)
    got[g.edge_index[0], g.edge_index[1]] = True
    np.testing.assert_array_equal(got, want)
    assert g.edge_index.shape[1] == want.sum()  # no duplicate pairs
    assert np.all(g.edge_index[0] != g.edge_index[1])
    normed = Planetoid(tmp_path, download=False)
    sums = features.sum(1, keepdims=True)
    np.testing.assert_allclose(normed.x, np.divide(features, sums, out=np.zeros_like(features),
                                                   where=sums > 0), rtol=1e-6)
    assert normed.x.dtype == np.float32 and normed.num_classes == 3


class Payload:  # what a malicious file would name: any callable
    def __reduce__(self):
        return (os.system, ("echo owned",))


@pytest.mark.parametrize("payload, refused", [
    (Payload(), "posix.system|nt.system"),
    (np.array(["a"], dtype=object), "the dtype 'O8'"),
    (pickle.loads, r"the global (_)?pickle\.loads"),
])
def test_malicious_pickles_are_refused_by_name(tmp_path, payload, refused):
    write_planetoid(tmp_path)
    (tmp_path / "ind.cora.graph").write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(UnsafePickleError, match=refused):
        Planetoid(tmp_path, download=False)


def test_refusal_names_the_global_and_the_file():
    raw = pickle.dumps(Payload(), protocol=2)
    with pytest.raises(UnsafePickleError, match=r"refused evil.pkl: its pickle asks for the "
                                                r"global (posix|nt)\.system, which is not one"):
        safe_load(raw, "evil.pkl")


def test_missing_files_offline_and_without_checksums(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Planetoid: .*ind\.cora\.x does not exist "
                                                r"\(download=False\)"):
        Planetoid(tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match=r"only \['cora'\] have checksums"):
        Planetoid(tmp_path, name="pubmed")


def test_download_checks_the_sha256(tmp_path, monkeypatch):
    parts = write_planetoid(tmp_path / "src")
    calls = []

    def fake(url, path, sha256):
        calls.append(url)
        part = url.split("ind.cora.", 1)[1]
        assert sha256 == planetoid.SHA256["cora"][part]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((tmp_path / "src" / f"ind.cora.{part}").read_bytes())
        return path

    monkeypatch.setattr(planetoid, "download_or_explain",
                        lambda who, what, where, how, url, path, sha256: fake(url, path, sha256))
    g = Planetoid(tmp_path / "cache")
    assert len(calls) == 8 and calls[0].startswith("https://github.com/kimiyoung/planetoid/")
    assert g.num_nodes == len(parts["allx"].toarray()) + len(parts["tx"].toarray())


def test_the_reproductions_cora_check_refuses_files_that_are_not_cora(tmp_path):
    # examples/graph_models.check_cora runs on the real files before every Cora reproduction
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
    try:
        import graph_models
    finally:
        sys.path.pop(0)
    write_planetoid(tmp_path)
    with pytest.raises(ValueError, match="does not have Cora's SHA-256"):
        graph_models.check_cora(tmp_path)
    sums = {part: sha256_file(tmp_path / f"ind.cora.{part}") for part in planetoid.SHA256["cora"]}
    with pytest.MonkeyPatch.context() as mp:  # the checksums pass: the sizes give it away
        mp.setitem(planetoid.SHA256, "cora", sums)
        with pytest.raises(ValueError, match="not Cora's"):
            graph_models.check_cora(tmp_path)


def test_karate_club_from_networkx():
    k = KarateClub()
    g = nx.karate_club_graph()
    assert k.x.shape == (34, 34) and k.edge_index.shape == (2, 2 * g.number_of_edges())
    assert k.y[0] == 0 and k.y[33] == 1 and k.y.sum() == 17
    assert set(map(tuple, k.edge_index.T)) == {(a, b) for a, b in g.edges()} | \
        {(b, a) for a, b in g.edges()}
