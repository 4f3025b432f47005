"""One exception family, mirroring the Java connector's (H5SwmrException and its subtypes)."""


class H5SwmrError(Exception):
    """Root of every error raised by h5swmr."""


class ConfigError(H5SwmrError, ValueError):
    """A bad argument: names the argument, the value and what would be valid."""


class LockError(H5SwmrError):
    """Redis cannot be reached or refused us (the message names host:port, never the password)."""


class LockTimeoutError(LockError, TimeoutError):
    """Waiting for a lease took longer than the timeout; the message names the holders."""


class LeaseLostError(LockError):
    """A lease expired, was force-released or Redis lost it; whatever depended on it must stop."""


class FencedError(LeaseLostError):
    """A commit was refused because another writer holds (or held) the file since our lease was granted."""


class DataError(H5SwmrError):
    """The file or the data given does not fit (type, shape, missing dataset); names the path."""
