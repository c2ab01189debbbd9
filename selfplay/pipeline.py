"""``tabula train``: self-play workers, the trainer and the arena around one run directory.

The run directory is the single source of truth; everything in it is written
atomically, so after Ctrl-C, a crash or ``kill -9`` a rerun with the same
``--run`` continues with nothing lost but the games that were in progress::

    RUN/config.json                      resolved config (defaults < saved < --config < key=value)
    RUN/games/g<ms>-<tag>-n<T>.npz       one shard per finished game (selfplay.shards)
    RUN/records/<same stem>.sgf|.pgn     the same game for people
    RUN/checkpoints/step-000123.safetensors   weights + header (engine.checkpoint), every one kept
    RUN/checkpoints/step-000123.state.pt      trainer state (optimizer, step), the newest few kept
    RUN/workers/w0.json                  each worker's counters (games, resigns, false resigns)
    RUN/arena.sqlite, RUN/eval.json, RUN/elo.png   evaluations of the checkpoints, Elo curve
    RUN/tb/                              TensorBoard scalars

Processes (multiprocessing, spawn; one torch thread each on CPU)::

    main     trainer loop: scan shards -> sample window -> train_step -> checkpoint
    worker k self-play (SelfPlayWorker, B games in lockstep) with the newest checkpoint
    arena    evaluates each newest checkpoint against the previous one and fixed baselines

The trainer is throttled by the ratio of samples trained to positions generated:
it trains only while ``step * batch_size < ratio * positions`` (and once at least
``min_positions`` exist), so a slow or fast self-play side never leads to
over- or under-fitting the replay window. Resume: the newest checkpoint whose
trainer state exists gives the weights, optimizer and step; the shards on disk
give the replay store; the arena's SQLite file skips games already played.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing as mp
import os
import re
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from arena.records import write_text_atomic
from selfplay.config import (ArenaConfig, PipelineConfig, build, load_saved, resolve_config,
                             save_config)
from selfplay.shards import ReplayStore, window_size
from selfplay.worker import SelfPlayConfig, SelfPlayWorker

log = logging.getLogger(__name__)

MAX_WORKER_RESTARTS = 5
"""A run whose workers keep dying (a bug, not bad luck) stops instead of looping."""
CKPT_RE = re.compile(r"^step-(\d{6,})\.safetensors$")


# -- run directory helpers --------------------------------------------------------

def checkpoint_path(run_dir: Path, step: int) -> Path:
    return run_dir / "checkpoints" / f"step-{step:06d}.safetensors"


def state_path(run_dir: Path, step: int) -> Path:
    return run_dir / "checkpoints" / f"step-{step:06d}.state.pt"


def list_checkpoints(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """(step, path) of every checkpoint of the run, oldest first."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), folder / n) for n in os.listdir(folder) if (m := CKPT_RE.match(n))]
    return sorted(found)


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True, default=str))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _parent_alive(parent_pid: int) -> bool:
    return os.getppid() == parent_pid


# -- self-play worker process --------------------------------------------------------

def worker_main(run_dir: str, config: dict[str, Any], index: int, device: str, parent_pid: int,
                stop: Any) -> None:
    """One self-play process: newest checkpoint -> B games in lockstep -> shards, until stopped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops us via ``stop``
    from engine.checkpoint import CheckpointError, load_checkpoint
    from engine.inference import TorchEvaluator, configure_cpu_threads
    from games import make_game

    configure_cpu_threads(1)
    run = Path(run_dir)
    game = make_game(config["game"])
    pcfg = build(PipelineConfig, config["pipeline"])
    tag = f"w{index}p{os.getpid()}"
    store = ReplayStore(run, tag=tag)
    records = run / "records"
    records.mkdir(exist_ok=True)
    suffix = ".pgn" if game.info.name == "chess" else ".sgf"

    def newest() -> Any:
        for step, path in reversed(list_checkpoints(run)):
            try:
                return load_checkpoint(path, device)
            except CheckpointError as exc:
                log.warning("worker %d: skipping %s", index, exc)
        return None

    ckpt = newest()
    while ckpt is None:  # the main process writes step 0 before starting us
        time.sleep(0.5)
        ckpt = newest()
    seed = int(np.random.SeedSequence([config["seed"], index, os.getpid(), time.time_ns()])
               .generate_state(1)[0] % 2**31)
    worker = SelfPlayWorker(game, TorchEvaluator(ckpt.net, device), build(SelfPlayConfig, config["selfplay"]),
                            seed=seed, network_step=ckpt.step)
    last_check = time.monotonic()
    stats_path = run / "workers" / f"w{index}.json"
    stats_path.parent.mkdir(exist_ok=True)
    base = _read_json(stats_path) or {}
    while not stop.is_set() and _parent_alive(parent_pid):
        for record in worker.step():
            path = store.add_game(record)
            if record.record:
                write_text_atomic(records / (path.stem + suffix), record.record)
        if time.monotonic() - last_check > pcfg.worker_reload_seconds:
            last_check = time.monotonic()
            ckpts = list_checkpoints(run)
            if ckpts and ckpts[-1][0] > worker.network_step:
                fresh = newest()
                if fresh is not None and fresh.step > worker.network_step:
                    worker.set_evaluator(TorchEvaluator(fresh.net, device), fresh.step)
            write_json_atomic(stats_path, _merged_stats(base, worker.stats.as_dict()))
    write_json_atomic(stats_path, _merged_stats(base, worker.stats.as_dict()))


def _merged_stats(base: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """This worker process's counters added to those of earlier processes of the same slot."""
    out = {}
    for key in ("positions", "games", "resigns", "no_resign_games", "would_resign", "false_resigns"):
        out[key] = int(base.get(key, 0)) + int(now[key])
    out["seconds"] = float(base.get("seconds", 0.0)) + float(now["seconds"])
    out["false_resign_rate"] = out["false_resigns"] / out["would_resign"] if out["would_resign"] else None
    out["session"] = now
    return out


# -- arena (evaluation) process ------------------------------------------------------------

def checkpoint_player(path: Path, sims: int) -> str:
    return f"ckpt:{path},sims={sims}"


def _step_of(name: str) -> int | None:
    m = re.search(r"step-(\d+)\.safetensors", name)
    return int(m.group(1)) if m else None


def evaluate_checkpoint(run_dir: Path, game: Any, config: dict[str, Any], step: int, path: Path,
                        previous: Path | None, *, games: int | None = None,
                        should_stop: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Gauntlet of checkpoint ``step`` vs its predecessor and the baselines; stores and rates.

    Results go to RUN/arena.sqlite (resumable), ratings to RUN/eval.json and the
    Elo curve of the checkpoints to RUN/elo.png. Returns the new eval.json content.
    """
    from arena.match import MatchConfig, run_match

    acfg = build(ArenaConfig, config["arena"])
    me = checkpoint_player(path, acfg.sims)
    players = [me, *acfg.baselines]
    if previous is not None and acfg.previous:
        players.append(checkpoint_player(previous, acfg.sims))

    def progress(_: Any) -> None:
        if should_stop():
            raise KeyboardInterrupt("evaluation stopped")

    mcfg = MatchConfig(games=games or acfg.games, schedule="gauntlet", parallel=acfg.parallel,
                       seed=step, db=str(run_dir / "arena.sqlite"))
    try:
        run_match(game, players, mcfg, progress=progress)
    except KeyboardInterrupt:
        pass
    evaluated = (_read_json(run_dir / "eval.json") or {}).get("evaluated", [])
    if step not in evaluated:
        evaluated = sorted({*evaluated, step})
    return rate_run(run_dir, evaluated)


def rate_run(run_dir: Path, evaluated: list[int]) -> dict[str, Any]:
    """Fit Elo over every stored game of the run; write eval.json and elo.png; return the data."""
    from arena.ratings import fit_elo, format_table
    from arena.store import Store

    db = run_dir / "arena.sqlite"
    if not db.exists():
        return {"evaluated": evaluated, "ratings": [], "table": ""}
    with Store(str(db)) as store:
        results = store.results()
    if not results:
        return {"evaluated": evaluated, "ratings": [], "table": ""}
    anchor = "random" if any("random" in (a, b) for a, b, _ in results) else ""
    ratings = fit_elo(results, anchor=anchor or "random")
    named = [_short(r) for r in ratings]
    data = {"evaluated": evaluated, "table": format_table(named), "time": time.time(),
            "ratings": [{"name": r.name, "step": _step_of(o.name), "elo": r.elo, "ci": r.ci,
                         "games": r.games, "score": r.score} for r, o in zip(named, ratings)]}
    write_json_atomic(run_dir / "eval.json", data)
    points = sorted((p["step"], p["elo"], p["ci"]) for p in data["ratings"] if p["step"] is not None)
    if points:
        try:
            from arena.plot import plot_elo_by_step

            plot_elo_by_step(points, run_dir / "elo.png", title=f"Elo by training step ({run_dir.name})")
        except Exception as exc:  # a plot is a convenience: never stop training for it
            log.warning("could not draw %s: %s", run_dir / "elo.png", exc)
    return data


def _short(rating: Any) -> Any:
    """``ckpt:RUN/checkpoints/step-000100.safetensors,sims=16`` -> ``step-000100``."""
    import dataclasses

    step = _step_of(rating.name)
    return dataclasses.replace(rating, name=f"step-{step:06d}") if step is not None else rating


def arena_main(run_dir: str, config: dict[str, Any], parent_pid: int, stop: Any) -> None:
    """Evaluate the newest not-yet-evaluated checkpoint, again and again, until stopped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from engine.inference import configure_cpu_threads
    from games import make_game

    configure_cpu_threads(1)
    try:
        os.nice(5)  # training and self-play come first
    except OSError:
        pass
    run = Path(run_dir)
    game = make_game(config["game"])
    halt = lambda: stop.is_set() or not _parent_alive(parent_pid)  # noqa: E731
    while not halt():
        evaluated = set((_read_json(run / "eval.json") or {}).get("evaluated", []))
        ckpts = list_checkpoints(run)
        todo = [c for c in ckpts if c[0] not in evaluated]
        if not todo or todo[-1] != ckpts[-1]:
            time.sleep(1.0)
            continue
        step, path = todo[-1]
        done = [c for c in ckpts if c[0] in evaluated and c[0] < step]
        evaluate_checkpoint(run, game, config, step, path, done[-1][1] if done else None,
                            should_stop=halt)


# -- the trainer (main process) -----------------------------------------------------

class Run:
    """One invocation of ``tabula train``: config, processes, the training loop, shutdown."""

    def __init__(self, spec: str, run_dir: str | os.PathLike, *, workers: int = 1,
                 device: str = "auto", config_file: str | None = None,
                 overrides: list[str] = (), out: Callable[[str], None] = print) -> None:
        import torch

        from engine.inference import configure_cpu_threads, resolve_device
        from engine.network import default_net_config
        from games import make_game
        from selfplay.trainer import TrainConfig

        self.out = out
        self.run_dir = run = Path(run_dir)
        for sub in ("games", "checkpoints", "records", "workers", "tb"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        train_defaults = {k: list(v) if isinstance(v, tuple) else v
                          for k, v in asdict(TrainConfig()).items()}
        self.config = resolve_config(spec, train_defaults=train_defaults,
                                     default_net=default_net_config(spec).name,
                                     saved=load_saved(run / "config.json"), file=config_file,
                                     overrides=list(overrides))
        save_config(run / "config.json", self.config)
        self.game = make_game(self.config["game"])
        self.pcfg: PipelineConfig = build(PipelineConfig, self.config["pipeline"])
        self.acfg: ArenaConfig = build(ArenaConfig, self.config["arena"])
        self.tcfg = build(TrainConfig, self.config["train"])
        self.num_workers = workers
        self.device_name = device
        self.device = resolve_device(device)
        if self.device.type == "cpu":
            configure_cpu_threads(1)
        torch.manual_seed(self.config["seed"])
        self.trainer = self._restore()
        self.store = ReplayStore(run, keep_positions=self.pcfg.keep_positions)
        self.rng = np.random.default_rng([self.config["seed"], self.trainer.step])

    def _restore(self) -> Any:
        """The trainer at the newest checkpoint with a trainer state, or a fresh net at step 0."""
        from engine.checkpoint import CheckpointError, load_checkpoint
        from engine.network import NetConfig, PolicyValueNet
        from selfplay.trainer import Trainer

        run = self.run_dir
        for step, path in reversed(list_checkpoints(run)):
            try:
                ckpt = load_checkpoint(path, "cpu")
            except CheckpointError as exc:
                self.out(f"warning: skipping {exc}")
                continue
            if ckpt.header.get("net") != self.config["net"]:
                raise ValueError(f"{path} holds network {ckpt.header.get('net')}, the config says "
                                 f"{self.config['net']}; use a new --run for a new network")
            trainer = Trainer(ckpt.net, self.game, self.tcfg, self.device)
            state = state_path(run, step)
            if state.exists():
                trainer.load_state(state)
            trainer.step = step
            self.out(f"resuming {run} at step {step}" + ("" if state.exists() else " (no optimizer state)"))
            return trainer
        net = PolicyValueNet(self.game.info, NetConfig.parse(self.config["net"]))
        trainer = Trainer(net, self.game, self.tcfg, self.device)
        self._checkpoint(trainer)
        return trainer

    def _checkpoint(self, trainer: Any) -> None:
        """Trainer state first, then the checkpoint (a visible checkpoint has its state)."""
        run, step = self.run_dir, trainer.step
        trainer.save_state(state_path(run, step))
        sp = self.config["selfplay"]
        search = {"num_simulations": sp["simulations"], "gumbel": sp["gumbel"],
                  "gumbel_considered": sp["gumbel_considered"]}  # SearchConfig names
        trainer.save_checkpoint(checkpoint_path(run, step), search=search,
                                run=str(run), config=self.config)
        states = sorted(p for p in (run / "checkpoints").glob("step-*.state.pt"))
        for old in states[:-max(1, self.pcfg.keep_trainer_states)]:
            old.unlink(missing_ok=True)

    # -- processes ---------------------------------------------------------------
    def _start_processes(self) -> None:
        ctx = mp.get_context("spawn")
        self.stop = ctx.Event()
        worker_device = self.device_name if self.device.type == "cuda" else "cpu"
        self.workers = [self._spawn(ctx, worker_main, (str(self.run_dir), self.config, k, worker_device,
                                                        os.getpid(), self.stop), f"selfplay-{k}")
                        for k in range(self.num_workers)]
        self.restarts = 0
        self.arena = None
        if self.acfg.enabled:
            self.arena = self._spawn(ctx, arena_main, (str(self.run_dir), self.config, os.getpid(),
                                                       self.stop), "arena")

    @staticmethod
    def _spawn(ctx: Any, target: Callable[..., None], args: tuple, name: str) -> Any:
        p = ctx.Process(target=target, args=args, name=name, daemon=True)
        p.start()
        return p

    def _stop_processes(self, timeout: float = 20.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for p in [*self.workers, *([self.arena] if self.arena else [])]:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                p.terminate()
                p.join(2)

    def _revive_workers(self) -> None:
        """A worker that died (e.g. out of memory) is restarted; its finished games are on disk."""
        ctx = mp.get_context("spawn")
        for k, p in enumerate(self.workers):
            if not p.is_alive() and not self.stop.is_set():
                self.restarts += 1
                if self.restarts > MAX_WORKER_RESTARTS:
                    raise RuntimeError(f"self-play workers died {self.restarts} times (last exit code "
                                       f"{p.exitcode}); see the traceback above")
                self.out(f"warning: self-play worker {k} exited ({p.exitcode}); restarting it")
                worker_device = self.device_name if self.device.type == "cuda" else "cpu"
                self.workers[k] = self._spawn(ctx, worker_main, (str(self.run_dir), self.config, k,
                                                                  worker_device, os.getpid(), self.stop),
                                              f"selfplay-{k}")

    # -- the loop ------------------------------------------------------------------
    def train(self, *, minutes: float | None = None, steps: int | None = None) -> int:
        """Run until ``minutes`` pass or the trainer reaches ``steps``; then stop and report."""
        from torch.utils.tensorboard import SummaryWriter

        pcfg, trainer = self.pcfg, self.trainer
        deadline = time.monotonic() + minutes * 60 if minutes else math.inf
        if steps is not None and trainer.step >= steps:
            self.out(f"the run is already at step {trainer.step} >= {steps}")
            return self._finish(final_eval=True)
        self._start_processes()
        writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=trainer.step)
        batch = self.tcfg.batch_size
        last_log = t_start = time.monotonic()
        last_scan = 0.0
        pos0 = None
        losses: list[dict[str, float]] = []
        interrupted = False
        try:
            while time.monotonic() < deadline and (steps is None or trainer.step < steps):
                now = time.monotonic()
                if now - last_scan > 0.5:
                    self.store.scan()
                    last_scan = now
                    self._revive_workers()
                positions = self.store.num_positions
                pos0 = positions if pos0 is None else pos0
                ready = (positions >= pcfg.min_positions
                         and trainer.step * batch < pcfg.ratio * positions)
                if ready:
                    window = window_size(positions, pcfg.window_base)
                    planes, policy, value = self.store.sample(batch, window, self.rng,
                                                              q_weight=pcfg.value_q_weight)
                    losses.append(trainer.train_step(planes, policy, value))
                    if trainer.step % pcfg.checkpoint_every == 0:
                        self._checkpoint(trainer)
                else:
                    time.sleep(0.2)
                if time.monotonic() - last_log >= pcfg.log_every_seconds:
                    self._log(writer, losses, positions, pos0, time.monotonic() - t_start)
                    losses, last_log = [], time.monotonic()
        except KeyboardInterrupt:
            interrupted = True
            self.out("interrupted: stopping the workers and saving a checkpoint")
        finally:
            self._stop_processes()
            saved = list_checkpoints(self.run_dir)
            if not saved or trainer.step != saved[-1][0]:  # none left if the folder was emptied
                self._checkpoint(trainer)
            writer.close()
        self.store.scan()
        self.out(f"stopped at step {trainer.step}: {self.store.num_games} games, "
                 f"{self.store.num_positions} positions on disk")
        if interrupted:
            self._finish(final_eval=False)
            return 130
        return self._finish(final_eval=True)

    def _log(self, writer: Any, losses: list[dict[str, float]], positions: int, pos0: int,
             elapsed: float) -> None:
        step = self.trainer.step
        mean = {k: float(np.mean([d[k] for d in losses])) for k in losses[0]} if losses else {}
        for k, v in mean.items():
            writer.add_scalar(f"train/{k}", v, step)
        rate = (positions - pos0) / max(elapsed, 1e-9)
        writer.add_scalar("selfplay/positions", positions, step)
        writer.add_scalar("selfplay/positions_per_s", rate, step)
        wstats = [s for s in (_read_json(p) for p in (self.run_dir / "workers").glob("w*.json")) if s]
        would = sum(s["would_resign"] for s in wstats)
        false = sum(s["false_resigns"] for s in wstats)
        if would:
            writer.add_scalar("selfplay/false_resign_rate", false / would, step)
        ev = _read_json(self.run_dir / "eval.json") or {}
        latest = ""
        ckpt_ratings = [r for r in ev.get("ratings", []) if r.get("step") is not None]
        if ckpt_ratings:
            best = max(ckpt_ratings, key=lambda r: r["step"])
            latest = f" | eval step {best['step']}: Elo {best['elo']:+.0f} +- {best['ci']:.0f}"
            writer.add_scalar("arena/elo", best["elo"], best["step"])
        loss = (f"loss {mean['loss']:.3f} (policy {mean['policy_loss']:.3f} value {mean['value_loss']:.3f})"
                if mean else "waiting for positions")
        self.out(f"step {step} | games {self.store.num_games} | positions {positions} "
                 f"({rate:.0f}/s) | {loss}" + (f" | false resign {false}/{would}" if would else "") + latest)
        writer.flush()

    def _finish(self, *, final_eval: bool) -> int:
        """Make sure the newest checkpoint is rated, then print its table against the baselines."""
        if not self.acfg.enabled:
            return 0
        ckpts = list_checkpoints(self.run_dir)
        ev = _read_json(self.run_dir / "eval.json") or {}
        evaluated = ev.get("evaluated", [])
        step, path = ckpts[-1]
        if final_eval and step not in evaluated:
            self.out(f"evaluating step {step} against {', '.join(self.acfg.baselines)} ...")
            done = [c for c in ckpts if c[0] in evaluated and c[0] < step]
            ev = evaluate_checkpoint(self.run_dir, self.game, self.config, step, path,
                                     done[-1][1] if done else None, games=self.acfg.final_games)
        if ev.get("table"):
            self.out(f"ratings (anchor random = 0), newest agent step-{step:06d}:")
            self.out(ev["table"])
        return 0


def train(spec: str, run_dir: str | os.PathLike, *, minutes: float | None = None,
          steps: int | None = None, workers: int = 1, device: str = "auto",
          config_file: str | None = None, overrides: list[str] = (),
          out: Callable[[str], None] = print) -> int:
    """``tabula train``: build or resume the run in ``run_dir`` and train; returns an exit code."""
    run = Run(spec, run_dir, workers=workers, device=device, config_file=config_file,
              overrides=overrides, out=out)
    return run.train(minutes=minutes, steps=steps)


def default_run_dir(spec: str) -> str:
    """``runs/<spec with punctuation as dashes>``."""
    from games import canonical_spec

    return os.path.join("runs", re.sub(r"[^A-Za-z0-9]+", "-", canonical_spec(spec)).strip("-"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(train(sys.argv[1], sys.argv[2]))
