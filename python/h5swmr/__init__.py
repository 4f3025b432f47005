"""h5swmr for Python: HDF5 files read and appended under the same Redis leases, fencing and crash-safe commits
as the h5swmr Spark connector. ``File`` works like ``h5py.File``; only the lock arguments are new."""
from .errors import (ConfigError, DataError, FencedError, H5SwmrError, LeaseLostError, LockError,
                     LockTimeoutError)
from ._objects import AttributeManager, Dataset, Group
from .appender import Appender
from .file import ATTR_CREATED, ATTR_FENCE, ATTR_GENERATION, ATTR_ROWS, File, append, lock_service, read
from .lock import LockService, resource_for_file
from .locking import reader, writer
from ._version import __version__

redis_conn = None  # h5pySWMR's setting: assign a redis.Redis client to point leases at its server (see locking)

__all__ = ["File", "Appender", "Group", "Dataset", "AttributeManager", "reader", "writer", "redis_conn", "append", "read",
           "lock_service", "LockService", "resource_for_file", "H5SwmrError",
           "ConfigError", "DataError", "LockError", "LockTimeoutError", "LeaseLostError", "FencedError"]
