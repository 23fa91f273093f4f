# The federation audit's gateway adapter (what its gateways/<name>/run.sh is): started by the
# audit's CLI as `sh gateway.sh <test suite id>` once per suite, it fetches the suite's supergraph
# from the audit's server and serves it, on the port and with the gateway npm run audit:federation
# chose (FEDERATION_AUDIT_* variables). exec: the CLI stops the gateway by signalling this process.
set -e
supergraph="$FEDERATION_AUDIT_WORK_DIR/supergraphs/$1.graphql"
mkdir -p "$FEDERATION_AUDIT_WORK_DIR/supergraphs"
"$FEDERATION_AUDIT_NODE" -e '
  fetch(process.argv[1]).then(async (response) => {
    if (!response.ok) throw new Error(`${process.argv[1]}: HTTP ${response.status}`);
    require("node:fs").writeFileSync(process.argv[2], await response.text());
  });
' "http://127.0.0.1:$FEDERATION_AUDIT_SUBGRAPHS_PORT/$1/supergraph" "$supergraph"
case "$FEDERATION_AUDIT_GATEWAY" in
  roombook)
    SUPERGRAPH_PATH="$supergraph" PORT="$FEDERATION_AUDIT_GATEWAY_PORT" exec "$FEDERATION_AUDIT_NODE" "$FEDERATION_AUDIT_LAUNCHER"
    ;;
  *)
    exec "$FEDERATION_AUDIT_NODE" "$FEDERATION_AUDIT_LAUNCHER" "$FEDERATION_AUDIT_GATEWAY_PORT" "$supergraph"
    ;;
esac
