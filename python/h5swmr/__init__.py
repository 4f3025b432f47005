"""h5swmr for Python: HDF5 files read and appended under the same Redis leases, fencing and crash-safe commits
as the h5swmr Spark connector. ``File`` works like ``h5py.File``; only the lock arguments are new."""
from .errors import (ConfigError, DataError, FencedError, H5SwmrError, LeaseLostError, LockError,
                     LockTimeoutError)
from ._objects import Dataset, Group
from .file import ATTR_CREATED, ATTR_FENCE, ATTR_GENERATION, ATTR_ROWS, File, append, lock_service, read
from .lock import LockService, resource_for_file

__version__ = "0.2.0"
__all__ = ["File", "Group", "Dataset", "append", "read", "lock_service", "LockService", "resource_for_file",
           "H5SwmrError",
           "ConfigError", "DataError", "LockError", "LockTimeoutError", "LeaseLostError", "FencedError"]
