"""Routes of the live board: join, board pages, JSON live API and the websockets."""

from werkstatt.board.api import BoardApi, JoinApi
from werkstatt.board.routes import BoardController, JoinController
from werkstatt.board.sockets import api_live, board_live

HANDLERS = [JoinController, BoardController, JoinApi, BoardApi, board_live, api_live]
