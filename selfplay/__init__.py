"""Self-play workers, the replay store, the trainer and the `tabula train` pipeline.

Nothing is imported here on purpose: ``tabula --help`` finds ``selfplay.cli``
through this package, and the modules below pull in numba kernels and torch.
Import what you need from its module (see ``README.md`` in this folder):
``selfplay.worker.SelfPlayWorker``, ``selfplay.shards.ReplayStore``,
``selfplay.trainer.Trainer``, ``selfplay.pipeline.train``.
"""
