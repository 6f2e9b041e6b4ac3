"""The course's standard solution, typed into the student release's regions.

Written from the course's conventions (the 2017 assignment 1 and its well-known
solutions: ``X.dot(W1) + b1``, ``np.maximum(0, z1)``, ``dhidden[a1 <= 0] = 0``,
``np.random.choice``, ``+= -learning_rate * grads``), not copied from the package: if a
region's plumbing, names in scope or docstring stop fitting the course, these no longer
run or pass. Keys as in :mod:`student_tree`.
"""

SOLUTIONS = {
    # ---------------------------------------------------------------- two-layer net
    "cs231n/classifiers/neural_net.py:TwoLayerNet.loss:1": """
        z1 = X.dot(W1) + b1
        a1 = np.maximum(0, z1)
        scores = a1.dot(W2) + b2
    """,
    "cs231n/classifiers/neural_net.py:TwoLayerNet.loss:2": """
        scores -= np.max(scores, axis=1, keepdims=True)
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        correct_logprobs = -np.log(probs[range(N), y])
        data_loss = np.sum(correct_logprobs) / N
        reg_loss = 0.5 * reg * np.sum(W1 * W1) + 0.5 * reg * np.sum(W2 * W2)
        loss = data_loss + reg_loss
    """,
    "cs231n/classifiers/neural_net.py:TwoLayerNet.loss:3": """
        dscores = probs
        dscores[range(N), y] -= 1
        dscores /= N
        grads['W2'] = np.dot(a1.T, dscores)
        grads['b2'] = np.sum(dscores, axis=0)
        dhidden = np.dot(dscores, W2.T)
        dhidden[a1 <= 0] = 0
        grads['W1'] = np.dot(X.T, dhidden)
        grads['b1'] = np.sum(dhidden, axis=0)
        grads['W2'] += reg * W2
        grads['W1'] += reg * W1
    """,
    "cs231n/classifiers/neural_net.py:TwoLayerNet.train:1": """
        sample_indices = np.random.choice(np.arange(num_train), batch_size)
        X_batch = X[sample_indices]
        y_batch = y[sample_indices]
    """,
    "cs231n/classifiers/neural_net.py:TwoLayerNet.train:2": """
        self.params['W1'] += -learning_rate * grads['W1']
        self.params['b1'] += -learning_rate * grads['b1']
        self.params['W2'] += -learning_rate * grads['W2']
        self.params['b2'] += -learning_rate * grads['b2']
    """,
    "cs231n/classifiers/neural_net.py:TwoLayerNet.predict:1": """
        scores = self.loss(X)
        y_pred = np.argmax(scores, axis=1)
    """,
    # ---------------------------------------------------------------- k-NN
    "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_two_loops:1": """
        dists[i, j] = np.sqrt(np.sum(np.square(X[i, :] - X_train[j, :])))
    """,
    "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_one_loop:1": """
        dists[i, :] = np.sqrt(np.sum(np.square(X_train - X[i, :]), axis=1))
    """,
    "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.compute_distances_no_loops:1": """
        test_sq = np.sum(np.square(X), axis=1, keepdims=True)
        train_sq = np.sum(np.square(X_train), axis=1)
        cross = X.dot(X_train.T)
        dists = np.sqrt(np.maximum(test_sq + train_sq - 2 * cross, 0))
    """,
    "cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.predict_labels:1": """
        closest_y = self.y_train[np.argsort(dists[i], kind="stable")[:k]]
        y_pred[i] = np.argmax(np.bincount(closest_y))
    """,
    # ---------------------------------------------------------------- linear classifiers
    "cs231n/classifiers/linear_classifier.py:LinearClassifier.train:1": """
        indices = np.random.choice(num_train, batch_size)
        X_batch = X[indices]
        y_batch = y[indices]
    """,
    "cs231n/classifiers/linear_classifier.py:LinearClassifier.train:2": """
        self.W += -learning_rate * grad
    """,
    "cs231n/classifiers/linear_classifier.py:LinearClassifier.predict:1": """
        y_pred = np.argmax(X.dot(self.W), axis=1)
    """,
    "cs231n/classifiers/linear_svm.py:svm_loss_naive:1": """
        num_classes = W.shape[1]
        num_train = X.shape[0]
        for i in range(num_train):
            scores = X[i].dot(W)
            correct_class_score = scores[y[i]]
            for j in range(num_classes):
                if j == y[i]:
                    continue
                margin = scores[j] - correct_class_score + 1  # note delta = 1
                if margin > 0:
                    loss += margin
                    dW[:, j] += X[i]
                    dW[:, y[i]] -= X[i]
        loss /= num_train
        dW /= num_train
        loss += 0.5 * reg * np.sum(W * W)
        dW += reg * W
    """,
    "cs231n/classifiers/linear_svm.py:svm_loss_vectorized:1": """
        num_train = X.shape[0]
        scores = X.dot(W)
        correct_class_scores = scores[np.arange(num_train), y].reshape(-1, 1)
        margins = np.maximum(0, scores - correct_class_scores + 1)
        margins[np.arange(num_train), y] = 0
        loss = np.sum(margins) / num_train + 0.5 * reg * np.sum(W * W)
        binary = (margins > 0).astype(X.dtype)
        binary[np.arange(num_train), y] = -np.sum(binary, axis=1)
        dW = X.T.dot(binary) / num_train + reg * W
    """,
    "cs231n/classifiers/softmax.py:softmax_loss_naive:1": """
        num_classes = W.shape[1]
        num_train = X.shape[0]
        for i in range(num_train):
            scores = X[i].dot(W)
            scores -= np.max(scores)
            probs = np.exp(scores) / np.sum(np.exp(scores))
            loss += -np.log(probs[y[i]])
            for j in range(num_classes):
                dW[:, j] += (probs[j] - (j == y[i])) * X[i]
        loss /= num_train
        dW /= num_train
        loss += 0.5 * reg * np.sum(W * W)
        dW += reg * W
    """,
    "cs231n/classifiers/softmax.py:softmax_loss_vectorized:1": """
        num_train = X.shape[0]
        scores = X.dot(W)
        scores -= np.max(scores, axis=1, keepdims=True)
        probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
        loss += 0.5 * reg * np.sum(W * W)
        dscores = probs
        dscores[np.arange(num_train), y] -= 1
        dW = X.T.dot(dscores) / num_train + reg * W
    """,
    # ---------------------------------------------------------------- modular layers
    "cs231n/layers.py:affine_forward:1": """
        N = x.shape[0]
        out = np.dot(x.reshape(N, -1), w) + b
    """,
    "cs231n/layers.py:affine_backward:1": """
        N = x.shape[0]
        dx = np.dot(dout, w.T).reshape(x.shape)
        dw = np.dot(x.reshape(N, -1).T, dout)
        db = np.sum(dout, axis=0)
    """,
    "cs231n/layers.py:relu_forward:1": """
        out = np.maximum(0, x)
    """,
    "cs231n/layers.py:relu_backward:1": """
        dx = dout.copy()
        dx[x <= 0] = 0
    """,
    "cs231n/layers.py:svm_loss:1": """
        N = x.shape[0]
        margins = np.maximum(0, x - x[np.arange(N), y][:, None] + 1)
        margins[np.arange(N), y] = 0
        loss = margins.sum() / N
        dx = (margins > 0).astype(x.dtype)
        dx[np.arange(N), y] = -dx.sum(axis=1)
        dx /= N
    """,
    # the course's layers.py gave this one in the log-sum-exp form, now the standard answer
    "cs231n/layers.py:softmax_loss:1": """
        shifted_logits = x - np.max(x, axis=1, keepdims=True)
        Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
        log_probs = shifted_logits - np.log(Z)
        probs = np.exp(log_probs)
        N = x.shape[0]
        loss = -np.sum(log_probs[np.arange(N), y]) / N
        dx = probs.copy()
        dx[np.arange(N), y] -= 1
        dx /= N
    """,
    # ---------------------------------------------------------------- modular nets
    "cs231n/classifiers/fc_net.py:ModularTwoLayerNet.__init__:1": """
        self.params['W1'] = weight_scale * randn(input_dim, hidden_dim)
        self.params['b1'] = np.zeros(hidden_dim)
        self.params['W2'] = weight_scale * randn(hidden_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)
    """,
    "cs231n/classifiers/fc_net.py:ModularTwoLayerNet.loss:1": """
        h1, cache_h1 = affine_relu_forward(X, self.params['W1'], self.params['b1'])
        scores, cache_scores = affine_forward(h1, self.params['W2'], self.params['b2'])
    """,
    "cs231n/classifiers/fc_net.py:ModularTwoLayerNet.loss:2": """
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * (np.sum(self.params['W1'] ** 2)
                                     + np.sum(self.params['W2'] ** 2))
        loss = data_loss + reg_loss
        dh1, dW2, db2 = affine_backward(dscores, cache_scores)
        dX, dW1, db1 = affine_relu_backward(dh1, cache_h1)
        grads['W1'] = dW1 + self.reg * self.params['W1']
        grads['b1'] = db1
        grads['W2'] = dW2 + self.reg * self.params['W2']
        grads['b2'] = db2
    """,
    "cs231n/classifiers/fc_net.py:FullyConnectedNet.__init__:1": """
        layer_dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params['W' + str(i + 1)] = weight_scale * randn(layer_dims[i],
                                                                 layer_dims[i + 1])
            self.params['b' + str(i + 1)] = np.zeros(layer_dims[i + 1])
    """,
    "cs231n/classifiers/fc_net.py:FullyConnectedNet.loss:1": """
        h = X
        for i in range(1, self.num_layers):
            h, caches[i] = affine_relu_forward(h, self.params['W' + str(i)],
                                               self.params['b' + str(i)])
        scores, caches[self.num_layers] = affine_forward(
            h, self.params['W' + str(self.num_layers)], self.params['b' + str(self.num_layers)])
    """,
    "cs231n/classifiers/fc_net.py:FullyConnectedNet.loss:2": """
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, self.num_layers + 1):
            W = self.params['W' + str(i)]
            loss += 0.5 * self.reg * np.sum(W * W)
        dh, dW, db = affine_backward(dscores, caches[self.num_layers])
        grads['W' + str(self.num_layers)] = dW + self.reg * self.params['W' + str(self.num_layers)]
        grads['b' + str(self.num_layers)] = db
        for i in range(self.num_layers - 1, 0, -1):
            dh, dW, db = affine_relu_backward(dh, caches[i])
            grads['W' + str(i)] = dW + self.reg * self.params['W' + str(i)]
            grads['b' + str(i)] = db
    """,
    # ---------------------------------------------------------------- update rules
    "cs231n/optim.py:sgd_momentum:1": """
        v = config['momentum'] * v - config['learning_rate'] * dw
        next_w = w + v
    """,
    "cs231n/optim.py:rmsprop:1": """
        config['cache'] = (config['decay_rate'] * config['cache']
                           + (1 - config['decay_rate']) * dw * dw)
        next_w = w - config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
    """,
    "cs231n/optim.py:adam:1": """
        config['t'] += 1
        config['m'] = config['beta1'] * config['m'] + (1 - config['beta1']) * dw
        config['v'] = config['beta2'] * config['v'] + (1 - config['beta2']) * (dw ** 2)
        m_hat = config['m'] / (1 - config['beta1'] ** config['t'])
        v_hat = config['v'] / (1 - config['beta2'] ** config['t'])
        next_w = w - config['learning_rate'] * m_hat / (np.sqrt(v_hat) + config['epsilon'])
    """,
    # ---------------------------------------------------------------- notebooks
    "notebooks/FullyConnectedNets.ipynb#1": """
        best_model = FullyConnectedNet([400], weight_scale=1e-3, reg=0.05)
        best_solver = Solver(best_model, data, update_rule='adam',
                             optim_config={'learning_rate': 2e-4}, lr_decay=0.9,
                             num_epochs=8, batch_size=200, print_every=1000)
        best_solver.train()
    """,
    "notebooks/features.ipynb#1": """
        learning_rates = [1e-3, 5e-3]
        regularization_strengths = [0.05, 0.5]
        for lr in learning_rates:
            for reg in regularization_strengths:
                svm = LinearSVM()
                svm.train(X_train_feats, y_train, learning_rate=lr, reg=reg, num_iters=1500,
                          seed=0)
                train_acc = np.mean(svm.predict(X_train_feats) == y_train)
                val_acc = np.mean(svm.predict(X_val_feats) == y_val)
                records.append({"learning_rate": lr, "reg": reg, "status": "ok",
                                "train_acc": train_acc, "val_acc": val_acc})
                if val_acc > best_val:
                    best_val = val_acc
                    best_svm = svm
    """,
    "notebooks/features.ipynb#2": """
        learning_rates = [5e-3, 2e-2]
        regularization_strengths = [0.05, 0.5]
        for lr in learning_rates:
            for reg in regularization_strengths:
                softmax = Softmax()
                softmax.train(X_train_feats, y_train, learning_rate=lr, reg=reg,
                              num_iters=1500, seed=0)
                train_acc = np.mean(softmax.predict(X_train_feats) == y_train)
                val_acc = np.mean(softmax.predict(X_val_feats) == y_val)
                records_softmax.append({"learning_rate": lr, "reg": reg, "status": "ok",
                                        "train_acc": train_acc, "val_acc": val_acc})
                if val_acc > best_val_softmax:
                    best_val_softmax = val_acc
                    best_softmax = softmax
    """,
    "notebooks/features.ipynb#3": """
        best_net = TwoLayerNet(input_dim, 300, num_classes)
        best_stats = best_net.train(X_train_feats_nb, y_train, X_val_feats_nb, y_val,
                                    num_iters=3000, batch_size=200, learning_rate=0.4,
                                    learning_rate_decay=0.9, reg=1e-3, seed=0)
    """,
    "notebooks/knn.ipynb#1": """
        for k in k_choices:
            for fold in range(num_folds):
                X_val_fold = X_train_folds[fold]
                y_val_fold = y_train_folds[fold]
                X_tr = np.vstack(X_train_folds[:fold] + X_train_folds[fold + 1:])
                y_tr = np.hstack(y_train_folds[:fold] + y_train_folds[fold + 1:])
                classifier = KNearestNeighbor()
                classifier.train(X_tr, y_tr)
                y_val_pred = classifier.predict(X_val_fold, k=k)
                k_to_accuracies[k].append(np.mean(y_val_pred == y_val_fold))
    """,
    "notebooks/svm.ipynb#1": """
        for lr in [1e-7, 5e-7]:
            for reg in [5e3, 2.5e4]:
                svm = LinearSVM()
                svm.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=1500,
                          seed=0)
                train_acc = np.mean(svm.predict(X_train) == y_train)
                val_acc = np.mean(svm.predict(X_val) == y_val)
                results[(lr, reg)] = (train_acc, val_acc)
                if val_acc > best_val:
                    best_val = val_acc
                    best_params = (lr, reg)
    """,
    "notebooks/softmax.ipynb#1": """
        for lr in [5e-7, 1e-6]:
            for reg in [2.5e3, 1e4]:
                softmax = Softmax()
                softmax.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=1500,
                              seed=0)
                train_acc = np.mean(softmax.predict(X_train) == y_train)
                val_acc = np.mean(softmax.predict(X_val) == y_val)
                results[(lr, reg)] = (train_acc, val_acc)
                if val_acc > best_val:
                    best_val = val_acc
                    best_params = (lr, reg)
    """,
    "notebooks/two_layer_net.ipynb#1": """
        sweep = run_sweep(data, {"learning_rate": [5e-4, 1e-3], "reg": [0.05, 0.5]},
                          hidden_size=200, num_iters=1000)
    """,
    "notebooks/two_layer_net.ipynb#2": """
        best_net = TwoLayerNet(input_size, 500, num_classes)
        best_stats = best_net.train(X_train, y_train, X_val, y_val, num_iters=4000,
                                    batch_size=200, learning_rate=1e-3,
                                    learning_rate_decay=0.95, reg=0.25, seed=1)
    """,
}
