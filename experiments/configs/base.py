"""Every config field with its default; the named configs start from this.

Not a run of its own: use one of the named configs, e.g.

  python -m experiments.train --config experiments/configs/dcgan_mnist.py --workdir /tmp/dcgan
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.seed = 0
    # Data.
    c.dataset = "mnist_5k"
    c.data_dir = ml_collections.FieldReference(None, field_type=str)
    c.image_size = ml_collections.FieldReference(None, field_type=int)
    c.center_crop = ml_collections.FieldReference(None, field_type=int)
    c.random_flip = False
    # LAPGAN: train on level pyramid_level of a pyramid_levels-level Laplacian pyramid
    # (jaxgan.data.make_pipeline's pyramid); None: the images themselves.
    c.pyramid_level = ml_collections.FieldReference(None, field_type=int)
    c.pyramid_levels = 2
    c.batch_size = 64
    c.worker_count = 0
    # Model.
    c.model = "dcgan"
    c.generator = ml_collections.ConfigDict(
        {"image_size": 28, "channels": 1, "ngf": 64, "use_bias": False}
    )
    c.discriminator = ml_collections.ConfigDict(
        {"image_size": 28, "channels": 1, "ndf": 64, "normalization": "batch", "use_bias": False}
    )
    c.latent_dim = 100
    c.conditioning = "none"
    # Submodule of the generator -> workdir of a trained run whose generator it starts
    # from, in a fresh run (StackGAN's stage II: {"stage1": DIR}).
    c.pretrained = ml_collections.ConfigDict()
    c.num_classes = 10
    # Where a label-conditioned run's labels come from: "dataset" (its labels) or "kmeans"
    # (num_classes k-means clusters of the training images, sampled in proportion to
    # their sizes: a self-conditioned GAN, unconditional overall; jaxgan.data.clusters).
    c.label_source = "dataset"
    # Objective and schedule.
    # "vae": the VAE baseline (jaxgan.vae): G is its decoder, an encoder from D's fields.
    c.framework = "gan"
    c.vae = ml_collections.ConfigDict(
        {"kl_weight": 1.0, "decoder_std": ml_collections.FieldReference(None, field_type=float)}
    )
    c.loss = "non_saturating"
    c.loss_options = ml_collections.ConfigDict()  # the family's options (ebgan: margin)
    c.penalties = ml_collections.ConfigDict()  # name -> weight, on D
    # Terms on either player (jaxgan.config.build_terms): name -> weight, or
    # {weight, every, player, warmup_steps, regularizer, **options}.
    c.regularizers = ml_collections.ConfigDict()
    # More terms from the command line: "NAME:WEIGHT[:EVERY[:PLAYER]],...", e.g. "r1:5:16".
    c.add_regularizers = ""
    c.augmentation = ml_collections.ConfigDict({"name": ""})  # diffaugment, ada, instance_noise
    c.packing = 1  # PacGAN's m
    c.history_pool = 0  # D sees generated images from a pool of this many past ones (CycleGAN: 50)
    c.unrolled_steps = 0  # Unrolled GAN's k
    c.feature_matching_weight = 0.0
    c.auxiliary_weight = 1.0
    c.l1_weight = 0.0
    c.label_smoothing = 0.0
    c.n_critic = 1
    c.update_order = "alternating"  # or "simultaneous" (GAN.update)
    c.ema_decay = ml_collections.FieldReference(None, field_type=float)
    c.ema_warmup = True  # decay min(ema_decay, (1 + t) / (10 + t)) at step t (GAN.ema_warmup)
    # Sample the EMA generator with BatchNorm statistics recomputed for its parameters
    # (experiments.sample.standing_statistics); False: the raw parameters' running averages.
    c.ema_standing_stats = True
    c.unroll_critic = True  # compile the n_critic iterations unrolled (GAN.unroll_critic)
    c.precision = (
        "float32"  # or "bfloat16": G and D compute in it, state stays float32 (GAN.precision)
    )
    # Gradient accumulation: each update's batch_size examples run as this many micro-batches
    # one after another (GAN.micro_batches); batch_size must divide by devices x micro_batches.
    c.micro_batches = 1
    # Optimisers.
    # schedule: "constant" or "linear" (the rate falls linearly to 0 at the last update).
    c.generator_optimizer = ml_collections.ConfigDict(
        {"name": "adam", "learning_rate": 2e-4, "b1": 0.5, "b2": 0.999, "momentum": 0.0,
         "schedule": "constant"}
    )  # fmt: skip
    c.discriminator_optimizer = ml_collections.ConfigDict(
        {"name": "adam", "learning_rate": 2e-4, "b1": 0.5, "b2": 0.999, "momentum": 0.0,
         "schedule": "constant"}
    )  # fmt: skip
    c.weight_clip = ml_collections.FieldReference(None, field_type=float)
    # Run.
    c.num_steps = 1000
    c.strategy = ml_collections.FieldReference(None, field_type=str)
    c.num_devices = ml_collections.FieldReference(None, field_type=int)
    c.max_consecutive_skips = 10
    c.log_every = 50
    c.sample_every = 500
    c.num_grid_samples = 64
    c.num_final_samples = 10_000
    c.checkpoint_every = 500
    c.keep_checkpoints = 3
    c.best_metric = ml_collections.FieldReference(None, field_type=str)  # e.g. "generator_loss"
    c.async_checkpointing = True
    # JAX's persistent compilation cache (jaxgan.cache): "auto" is $JAXGAN_CACHE_DIR/xla
    # (default ~/.cache/jaxgan/xla); a path uses that directory; "" turns it off.
    c.compilation_cache_dir = "auto"
    return c


def toy_config(
    dataset: str, *, dim: int, minibatch_discrimination=None
) -> ml_collections.ConfigDict:
    """The shared setting of the low-dimensional toy runs (ring8, grid25, gaussian_1d).

    MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
    0.5), batch 512, 3,000 steps, 2,500 final samples (the mode-coverage protocol).
    """
    c = get_config()
    c.dataset = dataset
    c.model = "mlp"
    c.generator = {"output_dim": dim}
    c.discriminator = {"input_dim": dim}
    if minibatch_discrimination:
        c.discriminator.minibatch_discrimination = minibatch_discrimination
    c.latent_dim = 2
    c.batch_size = 512
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate = 1e-3
    c.num_steps = 3000
    c.sample_every = 1000
    c.checkpoint_every = 1000
    c.num_final_samples = 2500
    return c
