"""The main job: map the thesis' networks onto the configured machine (a
virtual SpiNN-5 run by the emulator, unless a board is configured) and print
what the toolchain placed. ``python -m spinndl.demo``"""

from .examples.thesis_models import listing1_mlp, listing4_mlp, mlp, xor_mlp


def main() -> None:
    models = [("Thesis Listing 1 MLP", listing1_mlp(seed=1)),
              ("Thesis Listing 4 MLP", listing4_mlp(seed=1)),
              ("Thesis Listing 5 XOR MLP", xor_mlp(seed=1)),
              ("MNIST-sized MLP 784-512-512-10", mlp(784, 512, 512, 10,
                                                     seed=1))]
    for title, model in models:
        for training in (False, True):
            print(f"\n== {title} ==")
            model.summary(training=training)


if __name__ == "__main__":
    main()
