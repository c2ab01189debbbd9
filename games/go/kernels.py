"""Go rules as numba kernels over flat padded boards (internal: use games.go.GoGame).

Board. A row's board is ``int8 [P]``, P = (N+2)**2: the N x N points plus a
one-point border, so every on-board point has four neighbours and no bounds
checks are needed. Values: EMPTY=0, BLACK=1, WHITE=2, BORDER=3; player p plays
colour p + 1. Tables passed as arguments: ``locs uint32 [N*N]`` (action
``y*N + x`` -> padded loc), ``nbr uint32 [P, 4]`` (the four neighbours of a
loc) and ``keys uint64 [3, P]``. Locs are unsigned so that numba indexes without
negative-index wraparound code, which was a third of the legal-mask time.

Chains, kept incrementally, because labelling every chain from scratch at each
legal-mask call cost several microseconds per 9x9 board, more than the whole
per-move budget. For a stone at loc, ``chain_head[b, loc]`` (int16) is its
chain's head loc and ``chain_next[b, loc]`` (int16) the next stone of a circular
list through the chain. ``chain_stats[b, head]`` (int32 [4]) holds SIZE
(stones), NLIB (pseudo-liberties: one per stone-empty adjacency, so a liberty
next to two stones counts twice), LSUM and LSQ (sums of those liberties' locs
and squared locs). A chain is in atari (exactly one liberty) iff all its
pseudo-liberties are the same point, i.e. ``NLIB * LSQ == LSUM**2`` (the
equality case of Cauchy-Schwarz). The four numbers sit together so that reading
a chain touches one cache line. At empty points the entries are stale, but
chain_head stays a valid loc. ``rebuild_row`` recomputes it all from the board
(set-up positions, and the tests' comparison with a recomputation from scratch).

Hashes. ``keys[c, loc]`` is the key of a stone of colour c at loc, and
``keys[0, 0]`` (a border point, never a stone) is the empty board's hash, so a
position hash is never 0 in practice; 0 marks a free seen-set slot.

Superko. With positional superko a row carries ``seen[b]``: an open-addressing
hash set (linear probing, power-of-two capacity at least twice the number of
positions a game can reach) of the board hashes of every position of the game,
the current one included. A candidate is refused when the hash it would make
(current ^ its stone's key ^ the keys of the chains it captures) is in the set:
O(1) per candidate. Only points where a stone of the mover's colour was once
captured (``captured_at``) can repeat a position (the earlier position had that
stone there), so only they are looked up. A row whose ``seen`` has width 0 gets
simple ko only (the ``ko`` point: a lone stone that captured one stone may not
be recaptured at once). That is what the search may use below the root: there a
move may repeat a position of the game or of the search path (longer cycles:
triple ko, send-two-return-one, ...), while the root's legal mask, from a state
with its seen-set, is exact. Hash collisions (about 2**-64 per pair) are ignored.

Legal masks. Each row carries its legal mask (``legal [B, N*N+1]``), computed
by ``legal_row`` at the end of every change of the row (``play_row``,
``reset_row``), while the row's data is still in the cache: a separate pass over
the batch ran noticeably slower. Per row, ``legal_row`` classifies every point
once (empty / friendly chain with 2+ liberties / enemy chain in atari / nothing)
and then tests each empty point branch-free against its four neighbours, plus
the superko probe where ``captured_at`` allows a repeat. ``play_batch`` checks
moves against the mask (O(1), superko included) and asks ``move_error`` only
for the reason of a refusal.

Search leaves. ``leaf_batch`` (``GoGame.branch_rows``) serves the search's state
store, whose rows are *compact*: board, captured_at and the scalars only. Per
leaf it copies the parent's compact row into a one-row scratch state, rebuilds
the chains (``rebuild_row``), plays the move (legal mask included), writes the
compact row back and the leaf's facts and planes out, reading the history
planes from the boards of the leaf's ancestors' rows. Copying whole 3.7 KB rows
of cold memory (chains, liberty sums, history ring) had been most of a leaf's
cost.

Each batched kernel (``*_batch``) loops over rows and calls a per-row function
(``*_row``) that takes the batch arrays and the row index ``b``; the caller owns
every state and output array. Scratch buffers (``kind``, ``mark``, ``stack``)
are allocated once per batch call. The per-move functions are inlined into
their callers (``inline="always"``): passing two dozen arrays per call, each
reference-counted, cost about a sixth of the play time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY, BLACK, WHITE, BORDER = 0, 1, 2, 3
HISTORY = 8
"""Boards kept for the feature planes (t = 0..7 moves ago)."""
NUM_PLANES = 2 * HISTORY + 2
NO_LOC = -1

# columns of chain_stats
SIZE, NLIB, LSUM, LSQ = range(4)
STATS = 4

# apply error codes, decided before a row changes
OK, ERR_OCCUPIED, ERR_SUICIDE, ERR_KO, ERR_SUPERKO, ERR_GAME_OVER, ERR_RANGE = range(7)
ERROR_TEXT = ("ok", "occupied", "suicide", "ko", "positional superko", "game over",
              "action out of range")

# why a row's game ended (the reason field)
IN_PLAY, END_TWO_PASSES, END_MOVE_CAP, END_RESIGNATION = range(4)

ZOBRIST_SEED = 0x607AB11A


def zobrist_keys(n: int) -> np.ndarray:
    """``uint64 [3, (N+2)**2]`` keys from a fixed seed (the same in every process)."""
    rng = np.random.default_rng(ZOBRIST_SEED + n)
    keys = rng.integers(0, 2**64, size=(3, (n + 2) ** 2), dtype=np.uint64, endpoint=False)
    keys[0, 1:] = 0
    keys.setflags(write=False)
    return keys


def board_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(locs uint32 [N*N], nbr uint32 [P, 4])`` for an N x N board.

    ``nbr[loc]`` lists up, left, right, down; border locs list themselves.
    """
    w = n + 2
    ys, xs = np.divmod(np.arange(n * n), n)
    locs = ((ys + 1) * w + xs + 1).astype(np.uint32)
    nbr = np.repeat(np.arange(w * w, dtype=np.uint32)[:, None], 4, axis=1)
    nbr[locs] = locs[:, None].astype(np.int64) + np.array([-w, -1, 1, w])
    locs.setflags(write=False)
    nbr.setflags(write=False)
    return locs, nbr


def seen_capacity(max_moves: int) -> int:
    """Slots of a seen-set for games of at most ``max_moves`` moves (load <= 1/2)."""
    need = 2 * (max_moves + 2)
    cap = 1
    while cap < need:
        cap *= 2
    return cap


# -- the seen-set ----------------------------------------------------------------
@njit(cache=True)
def seen_contains(seen, b, h):
    """Whether hash ``h`` is in row b's set ``seen [B, S]`` (False when S == 0)."""
    cap = seen.shape[1]
    if cap == 0:
        return False
    mask = np.uint64(cap - 1)
    i = h & mask
    for _ in range(cap):
        v = seen[b, i]
        if v == h:
            return True
        if v == 0:
            return False
        i = (i + np.uint64(1)) & mask
    return False


@njit(cache=True)
def seen_insert(seen, b, h):
    """Add ``h`` to row b's set (no-op when present or S == 0)."""
    cap = seen.shape[1]
    if cap == 0:
        return
    mask = np.uint64(cap - 1)
    i = h & mask
    for _ in range(cap):
        v = seen[b, i]
        if v == h:
            return
        if v == 0:
            seen[b, i] = h
            return
        i = (i + np.uint64(1)) & mask


# -- chains (functions on one row: brd = board[b], head = chain_head[b], ...) ----
@njit(cache=True, inline="always")
def in_atari(st, hd):
    """Whether the chain with head ``hd`` has exactly one liberty."""
    n = np.int64(st[hd, NLIB])
    s = np.int64(st[hd, LSUM])
    return n * np.int64(st[hd, LSQ]) == s * s


@njit(cache=True)
def chain_key(nxt, hd, colour, keys):
    """XOR of the keys of the chain's stones (what removing it does to the hash)."""
    h = np.uint64(0)
    s = hd
    while True:
        h ^= keys[colour, s]
        s = np.uint32(nxt[s])
        if s == hd:
            return h


@njit(cache=True)
def rebuild_row(b, board, chain_head, chain_next, chain_stats, locs, nbr, stack):
    """Recompute row b's chain lists and liberty sums from its board."""
    brd = board[b]
    head = chain_head[b]
    nxt = chain_next[b]
    st = chain_stats[b]
    for i in range(locs.shape[0]):
        head[locs[i]] = NO_LOC
    for i in range(locs.shape[0]):
        p0 = locs[i]
        c = brd[p0]
        if c == EMPTY:
            head[p0] = p0
            continue
        if head[p0] != NO_LOC:
            continue
        head[p0] = p0
        stack[0] = p0
        top = 1
        size = nlib = lsum = lsq = 0
        prev = p0
        while top > 0:
            top -= 1
            p = stack[top]
            nxt[prev] = p
            prev = p
            size += 1
            for d in range(4):
                q = nbr[p, d]
                v = brd[q]
                if v == EMPTY:
                    nlib += 1
                    lsum += np.int64(q)
                    lsq += np.int64(q) * np.int64(q)
                elif v == c and head[q] == NO_LOC:
                    head[q] = p0
                    stack[top] = q
                    top += 1
        nxt[prev] = p0
        st[p0, SIZE] = size
        st[p0, NLIB] = nlib
        st[p0, LSUM] = lsum
        st[p0, LSQ] = lsq


@njit(cache=True, inline="always")
def add_liberty(st, hd, q, sign):
    """Add (sign=1) or remove (sign=-1) pseudo-liberty ``q`` of the chain at ``hd``."""
    qq = np.int64(q)
    st[hd, NLIB] += sign
    st[hd, LSUM] += sign * qq
    st[hd, LSQ] += sign * qq * qq


@njit(cache=True)
def merge_chains(head, nxt, st, h1, h2):
    """Join two different chains; the larger keeps its head, which is returned."""
    if st[h1, SIZE] < st[h2, SIZE]:
        h1, h2 = h2, h1
    s = h2
    while True:
        head[s] = h1
        s = np.uint32(nxt[s])
        if s == h2:
            break
    n1 = nxt[h1]
    nxt[h1] = nxt[h2]
    nxt[h2] = n1
    for f in range(STATS):
        st[h1, f] += st[h2, f]
    return h1


@njit(cache=True)
def remove_chain(brd, head, nxt, st, cap, hd, nbr):
    """Take the chain at ``hd`` off the board, giving its points back as liberties
    to the chains around it and flagging them in ``cap`` (captured_at[b]).

    Returns (stones removed, loc of the last one).
    """
    colour = brd[hd]
    other = 3 - colour
    count = 0
    s = hd
    while True:
        after = np.uint32(nxt[s])
        brd[s] = EMPTY
        cap[s] |= colour
        count += 1
        for d in range(4):
            t = nbr[s, d]
            if brd[t] == other:
                add_liberty(st, np.uint32(head[t]), s, 1)
        if after == hd:
            return count, s
        s = after


@njit(cache=True, inline="always")
def place_stone(brd, head, nxt, st, cap, p, c, h, keys, nbr):
    """Put a stone of colour c on empty loc p (a legal move): merge, capture, hash.

    Returns (stones captured, loc of the last one captured, new hash).
    """
    o = 3 - c
    brd[p] = c
    nlib = lsum = lsq = 0
    for d in range(4):
        q = nbr[p, d]
        v = brd[q]
        if v == EMPTY:
            nlib += 1
            lsum += np.int64(q)
            lsq += np.int64(q) * np.int64(q)
        elif v == BLACK or v == WHITE:
            add_liberty(st, np.uint32(head[q]), p, -1)
    head[p] = p
    nxt[p] = p
    st[p, SIZE] = 1
    st[p, NLIB] = nlib
    st[p, LSUM] = lsum
    st[p, LSQ] = lsq
    h ^= keys[c, p]
    hd = p
    for d in range(4):
        q = nbr[p, d]
        if brd[q] == c and np.uint32(head[q]) != hd:
            hd = merge_chains(head, nxt, st, hd, np.uint32(head[q]))
    ncap = 0
    last = np.uint32(0)
    for d in range(4):
        q = nbr[p, d]
        if brd[q] == o:
            oh = np.uint32(head[q])
            if st[oh, NLIB] == 0:
                h ^= chain_key(nxt, oh, o, keys)
                count, last = remove_chain(brd, head, nxt, st, cap, oh, nbr)
                ncap += count
    return ncap, last, h


# -- legality --------------------------------------------------------------------
@njit(cache=True)
def capture_key(brd, head, nxt, st, p, o, keys, nbr):
    """XOR of the keys of the distinct enemy (colour o) chains in atari next to p."""
    h = np.uint64(0)
    c0 = c1 = c2 = NO_LOC
    for d in range(4):
        q = nbr[p, d]
        if brd[q] == o:
            hd = np.uint32(head[q])
            if in_atari(st, hd) and hd != c0 and hd != c1 and hd != c2:
                h ^= chain_key(nxt, hd, o, keys)
                if c0 == NO_LOC:
                    c0 = np.int64(hd)
                elif c1 == NO_LOC:
                    c1 = np.int64(hd)
                else:
                    c2 = np.int64(hd)
    return h


@njit(cache=True)
def move_status(b, p, c, board, chain_head, chain_next, chain_stats, captured_at, zobrist, seen,
                keys, nbr, check_superko):
    """Whether colour c may play at empty, non-ko loc p: OK, ERR_SUICIDE or ERR_SUPERKO."""
    brd = board[b]
    head = chain_head[b]
    st = chain_stats[b]
    o = 3 - c
    ok = False
    for d in range(4):
        q = nbr[p, d]
        v = brd[q]
        if v == EMPTY:
            ok = True
        elif v == c or v == o:
            # a friendly chain not in atari, or an enemy one in atari (p its last liberty)
            if in_atari(st, np.uint32(head[q])) == (v == o):
                ok = True
    if not ok:
        return ERR_SUICIDE
    if check_superko and captured_at[b, p] & c:
        h = zobrist[b] ^ keys[c, p] ^ capture_key(brd, head, chain_next[b], st, p, o, keys, nbr)
        if seen_contains(seen, b, h):
            return ERR_SUPERKO
    return OK


@njit(cache=True, inline="always")
def legal_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, zobrist,
              seen, reason, locs, nbr, keys, out, kind):
    """Fill ``out[b]`` (bool [N*N + 1]) with row b's legal actions.

    ``kind`` is scratch int8 [P], 1 on the border: per point what it gives a
    stone of the mover's colour placed next to it: 0 a liberty (empty, or a
    friendly chain with another liberty), 2 a capture (an enemy chain in atari),
    1 nothing. A point is legal unless all four neighbours are 1s. Computing it
    per point first keeps the per-candidate test free of branches.
    """
    nn = locs.shape[0]
    row = out[b]
    if reason[b] != IN_PLAY:
        for a in range(nn + 1):
            row[a] = False
        return
    brd = board[b]
    head = chain_head[b]
    st = chain_stats[b]
    c = to_play[b] + 1
    o = 3 - c
    for a in range(nn):
        p = locs[a]
        v = brd[p]
        atari = in_atari(st, np.uint32(head[p]))  # stale at empty points: unused
        safe = not atari
        kind[p] = 1 + ((v == o) & atari) - ((v == EMPTY) | ((v == c) & safe))
    kop = ko[b]
    superko = seen.shape[1] > 0
    cap = captured_at[b]
    for a in range(nn):
        p = locs[a]
        k0 = kind[nbr[p, 0]]
        k1 = kind[nbr[p, 1]]
        k2 = kind[nbr[p, 2]]
        k3 = kind[nbr[p, 3]]
        ok = ((k0 != 1) | (k1 != 1) | (k2 != 1) | (k3 != 1)) & (brd[p] == EMPTY) & (p != kop)
        row[a] = ok
        if ok and superko and cap[p] & c:
            h = zobrist[b] ^ keys[c, p]
            if (k0 == 2) | (k1 == 2) | (k2 == 2) | (k3 == 2):
                h ^= capture_key(brd, head, chain_next[b], st, p, o, keys, nbr)
            row[a] = not seen_contains(seen, b, h)
    row[nn] = True


@njit(cache=True)
def legal_batch(board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, zobrist,
                seen, reason, locs, nbr, keys, out):
    """Legal mask ``out`` bool [B, N*N + 1] for every row (all False when finished)."""
    kind = np.ones(board.shape[1], dtype=np.int8)
    for b in range(board.shape[0]):
        legal_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
                  zobrist, seen, reason, locs, nbr, keys, out, kind)


@njit(cache=True)
def move_error(b, action, check_superko, board, chain_head, chain_next, chain_stats, captured_at,
               to_play, ko, zobrist, seen, reason, locs, nbr, keys):
    """Row b's error code for ``action`` (OK if legal), without changing anything."""
    nn = locs.shape[0]
    if reason[b] != IN_PLAY:
        return ERR_GAME_OVER
    if action < 0 or action > nn:
        return ERR_RANGE
    if action == nn:
        return OK
    p = locs[action]
    if board[b, p] != EMPTY:
        return ERR_OCCUPIED
    if p == ko[b]:
        return ERR_KO
    return move_status(b, p, to_play[b] + 1, board, chain_head, chain_next, chain_stats,
                       captured_at, zobrist, seen, keys, nbr, check_superko)


# -- apply -----------------------------------------------------------------------
@njit(cache=True, inline="always")
def push_history(b, board, move_count, history):
    """Copy row b's padded board into its history ring slot ``move_count % 8``."""
    brd = board[b]
    slot = history[b, move_count[b] % HISTORY]
    for i in range(brd.shape[0]):
        slot[i] = brd[i]


@njit(cache=True)
def area_row(b, board, locs, nbr, mark, stack):
    """Tromp-Taylor area ``(black, white)``: stones plus empty regions reaching one colour.

    ``mark`` is scratch int8 [P], all zero on entry and on return.
    """
    brd = board[b]
    black = white = 0
    for i in range(locs.shape[0]):
        p0 = locs[i]
        v0 = brd[p0]
        if v0 == BLACK:
            black += 1
        elif v0 == WHITE:
            white += 1
        elif mark[p0] == 0:
            mark[p0] = 1
            stack[0] = p0
            top = 1
            size = 0
            reach = 0  # bit 1: touches black, bit 2: touches white
            while top > 0:
                top -= 1
                p = stack[top]
                size += 1
                for d in range(4):
                    q = nbr[p, d]
                    v = brd[q]
                    if v == EMPTY:
                        if mark[q] == 0:
                            mark[q] = 1
                            stack[top] = q
                            top += 1
                    elif v != BORDER:
                        reach |= v
            if reach == BLACK:
                black += size
            elif reach == WHITE:
                white += size
    for i in range(locs.shape[0]):
        mark[locs[i]] = 0
    return black, white


@njit(cache=True)
def area_batch(board, locs, nbr, out):
    """``out[b]`` = Black area - White area (no komi), float64 [B]."""
    mark = np.zeros(board.shape[1], dtype=np.int8)
    stack = np.empty(board.shape[1], dtype=np.uint32)
    for b in range(board.shape[0]):
        black, white = area_row(b, board, locs, nbr, mark, stack)
        out[b] = black - white


@njit(cache=True)
def finish_row(b, board, passes, move_count, reason, winner, score, locs, nbr, komi, max_moves,
               mark, stack):
    """End row b's game if two passes or the move cap say so, and score it."""
    if passes[b] >= 2:
        reason[b] = END_TWO_PASSES
    elif move_count[b] >= max_moves:
        reason[b] = END_MOVE_CAP
    else:
        return
    black, white = area_row(b, board, locs, nbr, mark, stack)
    s = black - white - komi
    score[b] = s
    winner[b] = 0 if s > 0 else (1 if s < 0 else -1)


@njit(cache=True, inline="always")
def play_row(b, action, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
             passes, move_count, zobrist, seen, history, captures, last_action, reason, winner,
             score, legal, locs, nbr, keys, komi, max_moves, kind, mark, stack):
    """Play a legal ``action`` in row b, then refresh the row's legal mask ``legal[b]``.

    The mask is computed here, while the row is in the cache, rather than in a
    separate pass over the batch: random 9x9 play through the API ran about
    half as fast that way.
    """
    player = to_play[b]
    if action == locs.shape[0]:
        passes[b] += 1
        ko[b] = NO_LOC
    else:
        p = locs[action]
        st = chain_stats[b]
        ncap, last, h = place_stone(board[b], chain_head[b], chain_next[b], st, captured_at[b], p,
                                    player + 1, zobrist[b], keys, nbr)
        zobrist[b] = h
        captures[b, player] += ncap
        hd = chain_head[b, p]
        lone = st[hd, SIZE] == 1 and st[hd, NLIB] == 1
        ko[b] = last if (ncap == 1 and lone) else NO_LOC
        passes[b] = 0
        seen_insert(seen, b, zobrist[b])
    move_count[b] += 1
    last_action[b] = action
    to_play[b] = 1 - player
    push_history(b, board, move_count, history)
    if passes[b] >= 2 or move_count[b] >= max_moves:
        finish_row(b, board, passes, move_count, reason, winner, score, locs, nbr, komi,
                   max_moves, mark, stack)
    legal_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, zobrist,
              seen, reason, locs, nbr, keys, legal, kind)


@njit(cache=True, inline="always")
def check_row(b, action, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
              zobrist, seen, reason, legal, locs, nbr, keys):
    """Row b's error code for ``action``: OK when its legal mask allows it, else why not."""
    if 0 <= action < legal.shape[1] and legal[b, action]:
        return OK
    err = move_error(b, action, True, board, chain_head, chain_next, chain_stats, captured_at,
                     to_play, ko, zobrist, seen, reason, locs, nbr, keys)
    return err if err != OK else ERR_SUPERKO  # the mask is exact: only superko is left


@njit(cache=True)
def play_batch(actions, check, err, board, chain_head, chain_next, chain_stats, captured_at,
               to_play, ko, passes, move_count, zobrist, seen, history, captures, last_action,
               reason, winner, score, legal, locs, nbr, keys, komi, max_moves):
    """Play ``actions[b]`` in every row; ``err`` int8 [B] gets each row's error code.

    Moves are checked against the rows' legal masks (exact, superko included).
    With ``check`` every row is checked before any row changes, and no row
    changes if one fails; without it a failing row is left as it is and the
    others are played.
    """
    kind = np.ones(board.shape[1], dtype=np.int8)
    mark = np.zeros(board.shape[1], dtype=np.int8)
    stack = np.empty(board.shape[1], dtype=np.uint32)
    nrows = board.shape[0]
    for b in range(nrows):
        err[b] = check_row(b, actions[b], board, chain_head, chain_next, chain_stats, captured_at,
                           to_play, ko, zobrist, seen, reason, legal, locs, nbr, keys)
        if check and err[b] != OK:
            return
    for b in range(nrows):
        if err[b] == OK:
            play_row(b, actions[b], board, chain_head, chain_next, chain_stats, captured_at,
                     to_play, ko, passes, move_count, zobrist, seen, history, captures,
                     last_action, reason, winner, score, legal, locs, nbr, keys, komi, max_moves,
                     kind, mark, stack)


# -- set-up, features ------------------------------------------------------------
@njit(cache=True)
def reset_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, move_count,
              zobrist, seen, history, reason, legal, locs, nbr, keys, kind, stack):
    """After row b's board was set up: rebuild its chains and hash, restart its
    captured_at flags, seen-set (this one position) and history (this one board),
    and compute its legal mask."""
    rebuild_row(b, board, chain_head, chain_next, chain_stats, locs, nbr, stack)
    h = keys[0, 0]
    for a in range(locs.shape[0]):
        p = locs[a]
        v = board[b, p]
        if v == BLACK or v == WHITE:
            h ^= keys[v, p]
    zobrist[b] = h
    captured_at[b, :] = 0
    seen[b, :] = 0
    seen_insert(seen, b, h)
    history[b, :, :] = 0
    push_history(b, board, move_count, history)
    legal_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, zobrist,
              seen, reason, locs, nbr, keys, legal, kind)


@njit(cache=True)
def reset_batch(board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, move_count,
                zobrist, seen, history, reason, legal, locs, nbr, keys):
    """``reset_row`` for every row."""
    kind = np.ones(board.shape[1], dtype=np.int8)
    stack = np.empty(board.shape[1], dtype=np.uint32)
    for b in range(board.shape[0]):
        reset_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
                  move_count, zobrist, seen, history, reason, legal, locs, nbr, keys, kind, stack)


ONE_BITS = np.uint32(0x3F800000)
"""The bits of float32 1.0: planes are written through a uint32 view of the
float32 buffer, ``(v == c) * ONE_BITS``, which compiles to branch-free integer
code (about 1.5x faster than storing ``float32(v == c)`` per point)."""


@njit(cache=True, inline="always")
def _stone_planes(out, r, t, slot, locs, c, o):
    """History step t of row r from board ``slot``: the mover's (c) and the opponent's (o)
    stones."""
    one = ONE_BITS
    for i in range(locs.shape[0]):
        v = slot[locs[i]]
        out[r, t, i] = np.uint32(v == c) * one
        out[r, HISTORY + t, i] = np.uint32(v == o) * one


@njit(cache=True, inline="always")
def _empty_planes(out, r, t, nn):
    """History step t of row r before the game started: no stones."""
    for i in range(nn):
        out[r, t, i] = 0
        out[r, HISTORY + t, i] = 0


@njit(cache=True, inline="always")
def _constant_planes(out, r, c, nn):
    """Row r's Black-to-move plane and on-board plane."""
    one = ONE_BITS
    colour = np.uint32(c == BLACK) * one
    for i in range(nn):
        out[r, 2 * HISTORY, i] = colour
        out[r, 2 * HISTORY + 1, i] = one


@njit(cache=True, inline="always")
def encode_row(b, history, to_play, move_count, locs, out):
    """Row b's planes into ``out`` uint32 [B, 18, N*N] (a view of the float32
    planes): the mover's stones t = 0..7 moves ago, the opponent's, a
    Black-to-move plane, an on-board plane."""
    nn = locs.shape[0]
    c = to_play[b] + 1
    o = 3 - c
    m = move_count[b]
    for t in range(HISTORY):
        if t > m:
            _empty_planes(out, b, t, nn)
        else:
            _stone_planes(out, b, t, history[b, (m - t) % HISTORY], locs, c, o)
    _constant_planes(out, b, c, nn)


@njit(cache=True)
def encode_batch(history, to_play, move_count, locs, out):
    """Feature planes of every row into ``out`` uint32 [B, 18, N*N] (a view of float32 planes)."""
    for b in range(history.shape[0]):
        encode_row(b, history, to_play, move_count, locs, out)


# -- random playouts ---------------------------------------------------------------
@njit(cache=True)
def playout_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko, passes,
                move_count, zobrist, seen, history, captures, last_action, reason, winner, score,
                legal, locs, nbr, keys, komi, max_moves, kind, mark, stack):
    """Play row b to the end, each move uniform over its legal actions (pass included)."""
    na = legal.shape[1]
    while reason[b] == IN_PLAY:
        count = 0
        for a in range(na):
            count += legal[b, a]
        pick = int(np.random.random() * count)
        action = na - 1
        for a in range(na):
            if legal[b, a]:
                if pick == 0:
                    action = a
                    break
                pick -= 1
        play_row(b, action, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
                 passes, move_count, zobrist, seen, history, captures, last_action, reason,
                 winner, score, legal, locs, nbr, keys, komi, max_moves, kind, mark, stack)


@njit(cache=True)
def playout_batch(seed, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
                  passes, move_count, zobrist, seen, history, captures, last_action, reason,
                  winner, score, legal, locs, nbr, keys, komi, max_moves):
    """Random playouts of every row to the end, numba's generator seeded with ``seed``."""
    np.random.seed(seed)
    kind = np.ones(board.shape[1], dtype=np.int8)
    mark = np.zeros(board.shape[1], dtype=np.int8)
    stack = np.empty(board.shape[1], dtype=np.uint32)
    for b in range(board.shape[0]):
        playout_row(b, board, chain_head, chain_next, chain_stats, captured_at, to_play, ko,
                    passes, move_count, zobrist, seen, history, captures, last_action, reason,
                    winner, score, legal, locs, nbr, keys, komi, max_moves, kind, mark, stack)



# -- the search's leaves: compact rows, one move each -----------------------------
@njit(cache=True)
def leaf_batch(src_rows, dst_rows, actions, num_moves, hist_rows, err, board, captured_at,
               to_play, ko, passes, move_count, zobrist, captures, last_action, reason, winner,
               score, history, locs, nbr, keys, komi, max_moves, out_to_play, out_terminal,
               out_outcome, out_legal, out_planes):
    """The search's new leaves in one call, over a store of *compact* rows.

    A compact row keeps only the board, captured_at and the scalar fields
    (about 300 bytes on 9x9 instead of 3.7 KB): chains are rebuilt from the
    board (~0.3 us) in a one-row scratch state, which is cheaper than copying
    the chain arrays and history ring of a cold row. For j < len(dst_rows):
    row ``src_rows[j]`` is copied to ``dst_rows[j]``; the first ``num_moves``
    play ``actions[j]`` (``err[j]`` gets the error code; a refused row stays a
    copy); the others (roots) also copy their history ring. Then row j of the
    outputs gets the player to move, terminal, outcome for the player to move,
    legal mask and planes (a uint32 view of float32 [L, 18, N*N], see
    ONE_BITS). ``hist_rows[j, t]`` is the row
    of the position t moves before the leaf (t = 0: ``dst_rows[j]``), -1 past
    the last one stored, whose ``history`` ring then supplies the older boards.
    Seen-sets are not kept (simple ko, as below the search's root).
    """
    p = board.shape[1]
    w_board = np.empty((1, p), np.int8)
    w_head = np.zeros((1, p), np.int16)
    w_next = np.zeros((1, p), np.int16)
    w_stats = np.zeros((1, p, STATS), np.int32)
    w_cap = np.empty((1, p), np.int8)
    w_to_play = np.empty(1, np.int8)
    w_ko = np.empty(1, np.int32)
    w_passes = np.empty(1, np.int8)
    w_count = np.empty(1, np.int32)
    w_zobrist = np.empty(1, np.uint64)
    w_seen = np.zeros((1, 0), np.uint64)
    w_history = np.zeros((1, HISTORY, p), np.int8)
    w_captures = np.empty((1, 2), np.int32)
    w_last = np.empty(1, np.int32)
    w_reason = np.empty(1, np.int8)
    w_winner = np.empty(1, np.int8)
    w_score = np.empty(1, np.float64)
    w_legal = np.empty((1, out_legal.shape[1]), np.bool_)
    kind = np.ones(p, dtype=np.int8)
    mark = np.zeros(p, dtype=np.int8)
    stack = np.empty(p, dtype=np.uint32)
    for j in range(dst_rows.shape[0]):
        r = dst_rows[j]
        q = src_rows[j]
        for i in range(p):
            w_board[0, i] = board[q, i]
            w_cap[0, i] = captured_at[q, i]
        w_to_play[0] = to_play[q]
        w_ko[0] = ko[q]
        w_passes[0] = passes[q]
        w_count[0] = move_count[q]
        w_zobrist[0] = zobrist[q]
        w_captures[0, 0] = captures[q, 0]
        w_captures[0, 1] = captures[q, 1]
        w_last[0] = last_action[q]
        w_reason[0] = reason[q]
        w_winner[0] = winner[q]
        w_score[0] = score[q]
        rebuild_row(0, w_board, w_head, w_next, w_stats, locs, nbr, stack)
        err[j] = OK
        played = False
        if j < num_moves:
            a = actions[j]
            err[j] = move_error(0, a, False, w_board, w_head, w_next, w_stats, w_cap,
                                w_to_play, w_ko, w_zobrist, w_seen, w_reason, locs, nbr, keys)
            if err[j] == OK:
                play_row(0, a, w_board, w_head, w_next, w_stats, w_cap, w_to_play, w_ko,
                         w_passes, w_count, w_zobrist, w_seen, w_history, w_captures, w_last,
                         w_reason, w_winner, w_score, w_legal, locs, nbr, keys, komi, max_moves,
                         kind, mark, stack)
                played = True
        else:
            for t in range(HISTORY):
                for i in range(p):
                    history[r, t, i] = history[q, t, i]
        if not played:
            legal_row(0, w_board, w_head, w_next, w_stats, w_cap, w_to_play, w_ko, w_zobrist,
                      w_seen, w_reason, locs, nbr, keys, w_legal, kind)
        for i in range(p):
            board[r, i] = w_board[0, i]
            captured_at[r, i] = w_cap[0, i]
        to_play[r] = w_to_play[0]
        ko[r] = w_ko[0]
        passes[r] = w_passes[0]
        move_count[r] = w_count[0]
        zobrist[r] = w_zobrist[0]
        captures[r, 0] = w_captures[0, 0]
        captures[r, 1] = w_captures[0, 1]
        last_action[r] = w_last[0]
        reason[r] = w_reason[0]
        winner[r] = w_winner[0]
        score[r] = w_score[0]
        pl = w_to_play[0]
        out_to_play[j] = pl
        out_terminal[j] = w_reason[0] != IN_PLAY
        w = w_winner[0]
        out_outcome[j] = 0.0 if w < 0 else (1.0 if w == pl else -1.0)
        for a in range(out_legal.shape[1]):
            out_legal[j, a] = w_legal[0, a]
        _encode_stored(j, hist_rows, board, move_count, history, pl, locs, out_planes)


@njit(cache=True, inline="always")
def _encode_stored(j, hist_rows, board, move_count, history, player, locs, out):
    """Leaf j's planes into ``out[j]`` (uint32 view of float32 [L, 18, N*N]) from
    the boards of the rows ``hist_rows[j]`` (see leaf_batch)."""
    nn = locs.shape[0]
    c = player + 1
    o = 3 - c
    m = move_count[hist_rows[j, 0]]
    last = 0
    for t in range(HISTORY):
        if t > m:
            _empty_planes(out, j, t, nn)
            continue
        row = hist_rows[j, t]
        if row >= 0:
            last = t
            slot = board[row]
        else:
            base = hist_rows[j, last]
            slot = history[base, (move_count[base] - (t - last)) % HISTORY]
        _stone_planes(out, j, t, slot, locs, c, o)
    _constant_planes(out, j, c, nn)
