"""Infrastructure for the messaging program: one module per pattern.

TOPOLOGIES maps `messaging:topology` to the component that builds it.
"""

from components.eventbridge import EventBridge
from components.fanout import Fanout
from components.point_to_point import PointToPoint

TOPOLOGIES = {
    "point-to-point": PointToPoint,
    "fanout": Fanout,
    "eventbridge": EventBridge,
}
