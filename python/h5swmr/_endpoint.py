"""Redis URL forms of the Java connector (LockSettings): redis://, rediss://, redis-sentinel://, redis-cluster://."""
import urllib.parse

from .errors import ConfigError

FORMS = ("redis://[user:password@]host:port[/db], rediss://[user:password@]host:port[/db], "
         "redis-sentinel://[user:password@]host1:port1,host2:port2/masterName[/db], "
         "redis-cluster://[user:password@]host1:port1,host2:port2")


class Endpoint:
    def __init__(self, url):
        if not isinstance(url, str) or not url.strip():
            raise ConfigError("redis_url is empty; expected one of " + FORMS)
        self._url = url
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in ("redis", "rediss", "redis-sentinel", "redis-cluster"):
            raise ConfigError("redis_url has an unknown scheme %r; expected one of %s" % (scheme, FORMS))
        self.kind = scheme
        self.user = self.password = None
        if "@" in rest:
            cred, rest = rest.rsplit("@", 1)
            user, colon, pw = cred.partition(":")
            if colon:
                self.user = urllib.parse.unquote(user) or None
                self.password = urllib.parse.unquote(pw)
            else:
                self.password = urllib.parse.unquote(user)
        hostpart, _, path = rest.partition("/")
        self.hosts = []
        for hp in hostpart.split(","):
            host, colon, port = hp.rpartition(":")
            if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ConfigError("redis_url %s: %r is not host:port; expected one of %s"
                                  % (self.redacted(), hp, FORMS))
            self.hosts.append((host.strip("[]"), int(port)))
        parts = [p for p in path.split("/") if p]
        self.master = None
        if scheme == "redis-sentinel":
            if not parts:
                raise ConfigError("redis_url %s names no master; expected %s" % (self.redacted(), FORMS))
            self.master = parts.pop(0)
        if scheme != "redis-sentinel" and scheme != "redis-cluster" and len(self.hosts) != 1:
            raise ConfigError("redis_url %s lists several hosts; only redis-sentinel:// and redis-cluster:// "
                              "take a list" % self.redacted())
        self.db = 0
        if parts:
            if scheme == "redis-cluster" or len(parts) > 1 or not parts[0].isdigit():
                raise ConfigError("redis_url %s: bad database %r; expected a number after the last '/'"
                                  % (self.redacted(), "/".join(parts)))
            self.db = int(parts[0])

    def redacted(self):
        """The URL with the password replaced by ***."""
        scheme, _, rest = self._url.partition("://")
        if "@" not in rest:
            return self._url
        cred, host = rest.rsplit("@", 1)
        user, colon, _ = cred.partition(":")
        return "%s://%s@%s" % (scheme, (user + ":***") if colon else "***", host)

    def hosts_text(self):
        return ",".join("%s:%d" % h for h in self.hosts)

    def redact(self, text):
        text = str(text)
        if self.password:
            text = text.replace(self.password, "***")
        return text.replace(self._url, self.redacted())

    def client(self, connect_timeout):
        import redis
        kw = dict(username=self.user, password=self.password, socket_connect_timeout=connect_timeout,
                  decode_responses=True)
        if self.kind in ("redis", "rediss"):
            host, port = self.hosts[0]
            return redis.Redis(host=host, port=port, db=self.db, ssl=self.kind == "rediss",
                               health_check_interval=30, **kw)
        if self.kind == "redis-sentinel":
            from redis.sentinel import Sentinel
            s = Sentinel(self.hosts, socket_connect_timeout=connect_timeout)
            return s.master_for(self.master, db=self.db, **kw)
        from redis.cluster import RedisCluster, ClusterNode
        return RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in self.hosts], **kw)
