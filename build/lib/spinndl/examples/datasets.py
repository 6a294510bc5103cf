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
