"""The parts of the assignment, what each covers and what it is worth.

Every student region (keyed as :mod:`staff.tests.student_tree` keys them: ``"path:Function:k"``
for a module, ``"path#k"`` for a notebook) belongs to exactly one part. The points of a part
are the sum of the ``@pytest.mark.points(n)`` of the tests marked
``@pytest.mark.part("<its name>")``, public (``tests/``) and hidden (``staff/hidden_tests/``);
the grader refuses to run when the two disagree, so this table and the markers beside the
tests cannot drift apart. A part with ``manual=True`` has no autograded tests: it is marked
by hand from the PDF that ``collect_submission`` writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

NN = "cs231n/classifiers/neural_net.py"
KNN = "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor"
LIN = "cs231n/classifiers/linear_classifier.py:LinearClassifier"
FC = "cs231n/classifiers/fc_net.py"


@dataclass(frozen=True)
class Part:
    name: str
    points: int
    regions: tuple
    #: what the part asks for, in the student's words (feedback.md)
    what: str
    manual: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)


PARTS = (
    Part("TwoLayerNet: forward", 3, (f"{NN}:TwoLayerNet.loss:1",),
         "the scores of the forward pass in TwoLayerNet.loss (affine, ReLU, affine)"),
    Part("TwoLayerNet: loss", 3, (f"{NN}:TwoLayerNet.loss:2",),
         "the softmax data loss averaged over the batch, plus 0.5 * reg * (|W1|^2 + |W2|^2)"),
    Part("TwoLayerNet: backward", 6, (f"{NN}:TwoLayerNet.loss:3",),
         "the gradients of TwoLayerNet.loss, regularisation included"),
    Part("TwoLayerNet: training loop", 4,
         (f"{NN}:TwoLayerNet.train:1", f"{NN}:TwoLayerNet.train:2"),
         "the minibatch sampling and the SGD update in TwoLayerNet.train"),
    Part("TwoLayerNet: predict", 2, (f"{NN}:TwoLayerNet.predict:1",),
         "TwoLayerNet.predict: the class with the highest score"),
    Part("k-NN: two loops", 2, (f"{KNN}.compute_distances_two_loops:1",),
         "compute_distances_two_loops: L2 distances"),
    Part("k-NN: one loop", 2, (f"{KNN}.compute_distances_one_loop:1",),
         "compute_distances_one_loop: L2 distances"),
    Part("k-NN: no loops", 3, (f"{KNN}.compute_distances_no_loops:1",),
         "compute_distances_no_loops: L2 distances, fully vectorised"),
    Part("k-NN: predict labels", 2, (f"{KNN}.predict_labels:1",),
         "predict_labels: majority vote of the k nearest, ties to the smaller label"),
    Part("SVM: naive loss and gradient", 3, ("cs231n/classifiers/linear_svm.py:svm_loss_naive:1",),
         "svm_loss_naive: the multiclass hinge loss and its gradient, with loops"),
    Part("SVM: vectorised loss and gradient", 3,
         ("cs231n/classifiers/linear_svm.py:svm_loss_vectorized:1",),
         "svm_loss_vectorized: the same loss and gradient without loops"),
    Part("Softmax: naive loss and gradient", 3,
         ("cs231n/classifiers/softmax.py:softmax_loss_naive:1",),
         "softmax_loss_naive: the cross-entropy loss and its gradient, with loops"),
    Part("Softmax: vectorised loss and gradient", 3,
         ("cs231n/classifiers/softmax.py:softmax_loss_vectorized:1",),
         "softmax_loss_vectorized: the same loss and gradient without loops"),
    Part("Linear classifier: SGD and predict", 3,
         (f"{LIN}.train:1", f"{LIN}.train:2", f"{LIN}.predict:1"),
         "LinearClassifier.train (minibatches and the update) and LinearClassifier.predict"),
    Part("Layers: affine", 3, ("cs231n/layers.py:affine_forward:1", "cs231n/layers.py:affine_backward:1"),
         "affine_forward and affine_backward"),
    Part("Layers: ReLU", 3, ("cs231n/layers.py:relu_forward:1", "cs231n/layers.py:relu_backward:1"),
         "relu_forward and relu_backward"),
    Part("Layers: SVM and softmax losses", 4, ("cs231n/layers.py:svm_loss:1", "cs231n/layers.py:softmax_loss:1"),
         "svm_loss and softmax_loss on class scores"),
    Part("Modular nets: ModularTwoLayerNet", 3,
         (f"{FC}:ModularTwoLayerNet.__init__:1", f"{FC}:ModularTwoLayerNet.loss:1",
          f"{FC}:ModularTwoLayerNet.loss:2"),
         "ModularTwoLayerNet: initialisation, scores, loss and gradients from the layers"),
    Part("Modular nets: FullyConnectedNet", 3,
         (f"{FC}:FullyConnectedNet.__init__:1", f"{FC}:FullyConnectedNet.loss:1",
          f"{FC}:FullyConnectedNet.loss:2"),
         "FullyConnectedNet: initialisation, scores, loss and gradients for any depth"),
    Part("Update rules: SGD with momentum", 2, ("cs231n/optim.py:sgd_momentum:1",), "sgd_momentum"),
    Part("Update rules: RMSProp", 2, ("cs231n/optim.py:rmsprop:1",), "rmsprop"),
    Part("Update rules: Adam", 2, ("cs231n/optim.py:adam:1",), "adam"),
    Part("Two-layer net: the final net", 5, ("notebooks/two_layer_net.ipynb#2",),
         "the final net trained in two_layer_net.ipynb and saved to notebooks/best_net.npz: "
         "at least 0.48 accuracy on the first 1,000 test images"),
    # Graded by hand from the PDF (plots, tuned settings, inline answers).
    Part("Two-layer net notebook: sweep", 0, ("notebooks/two_layer_net.ipynb#1",),
         "the hyperparameter sweep of two_layer_net.ipynb", manual=True),
    Part("k-NN notebook: cross-validation", 0, ("notebooks/knn.ipynb#1",),
         "the cross-validation of k in knn.ipynb", manual=True),
    Part("SVM notebook: tuning", 0, ("notebooks/svm.ipynb#1",),
         "the learning rate and regularisation search of svm.ipynb", manual=True),
    Part("Softmax notebook: tuning", 0, ("notebooks/softmax.ipynb#1",),
         "the learning rate and regularisation search of softmax.ipynb", manual=True),
    Part("Features notebook: classifiers on features", 0,
         ("notebooks/features.ipynb#1", "notebooks/features.ipynb#2", "notebooks/features.ipynb#3"),
         "the SVM, softmax and two-layer net trained on image features", manual=True),
    Part("FullyConnectedNets notebook: best model", 0, ("notebooks/FullyConnectedNets.ipynb#1",),
         "the best fully connected model of FullyConnectedNets.ipynb", manual=True),
)

BY_NAME = {part.name: part for part in PARTS}
AUTOGRADED = tuple(part for part in PARTS if not part.manual)
TOTAL_POINTS = sum(part.points for part in AUTOGRADED)


def part_of_region(key):
    """The part a region key belongs to (KeyError if none)."""
    for part in PARTS:
        if key in part.regions:
            return part
    raise KeyError(key)
