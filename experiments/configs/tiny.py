"""A seconds-long smoke config for tests and CI: width 1/16, 2 iterations, batch 4."""

from experiments.configs import default


def get_config():
    config = default.get_config()
    config.model.width = 1 / 16
    config.iterations = 2
    config.eval_iterations = 2
    config.batch_size = 4
    config.data.val_images = 2
    config.num_train_steps = 4
    config.log_every_steps = 2
    config.eval_every_steps = 4
    config.checkpoint_every_steps = 2
    return config
