"""Chess on python-chess behind the batched Game interface (see README.md here).

Inside this package ``import chess`` always means the python-chess library: the
package is only ever imported as ``games.chess`` with absolute imports.
"""

from games.chess.encoding import NUM_ACTIONS, action_to_move, move_to_action
from games.chess.features import NUM_FEATURE_PLANES
from games.chess.game import ChessGame, ChessState

__all__ = ["NUM_ACTIONS", "NUM_FEATURE_PLANES", "ChessGame", "ChessState",
           "action_to_move", "move_to_action"]
