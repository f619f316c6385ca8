package dev.cairn.store;

/**
 * Every way a request can be refused. The messages are etcd's ({@code api/v3rpc/rpctypes}), since
 * clients match on them; the node maps each to etcd's gRPC status code in one table.
 */
public enum StoreError {
  EMPTY_KEY("etcdserver: key is not provided"),
  KEY_NOT_FOUND("etcdserver: key not found"),
  VALUE_PROVIDED("etcdserver: value is provided"),
  LEASE_PROVIDED("etcdserver: lease is provided"),
  TOO_MANY_OPS("etcdserver: too many operations in txn request"),
  DUPLICATE_KEY("etcdserver: duplicate key given in txn request"),
  COMPACTED("etcdserver: mvcc: required revision has been compacted"),
  FUTURE_REVISION("etcdserver: mvcc: required revision is a future revision"),
  LEASE_NOT_FOUND("etcdserver: requested lease not found"),
  LEASE_EXISTS("etcdserver: lease already exists"),
  LEASE_TTL_TOO_LARGE("etcdserver: too large lease TTL"),
  REQUEST_TOO_LARGE("etcdserver: request is too large"),
  NO_SPACE("etcdserver: mvcc: database space exceeded"),
  CORRUPT("etcdserver: corrupt cluster");

  private final String message;

  StoreError(String message) {
    this.message = message;
  }

  public String message() {
    return message;
  }
}
