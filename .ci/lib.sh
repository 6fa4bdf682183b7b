# Helpers the CI scripts share (sourced, not run).

# A loopback port nobody listens on now.
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# delete_redis_keys URL PREFIX: removes a run's keys (they would expire with their TTL; a run
# leaves nothing behind). Run from the repository (ioredis from its node_modules).
delete_redis_keys() {
  node -e '
    const { Redis } = require("ioredis");
    const r = new Redis(process.argv[1], { maxRetriesPerRequest: 1 });
    r.keys(`${process.argv[2]}:*`).then((k) => k.length && r.del(...k)).finally(() => r.disconnect());
  ' "$1" "$2"
}
