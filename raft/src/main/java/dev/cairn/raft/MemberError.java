package dev.cairn.raft;

/**
 * Every way a membership change can be refused, with etcd's message ({@code api/v3rpc/rpctypes}),
 * since clients match on it; {@link EtcdErrors} maps each to etcd's gRPC status code.
 */
enum MemberError {
  NO_PEER_URLS("etcdserver: member peer urls not provided"),
  PEER_URL_EXISTS("etcdserver: Peer URLs already exists"),
  MEMBER_NOT_FOUND("etcdserver: member not found"),
  MEMBER_NOT_LEARNER("etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY("etcdserver: can only promote a learner member which is in sync with leader"),
  NOT_ENOUGH_STARTED("etcdserver: re-configuration failed due to not enough started members"),
  TOO_MANY_LEARNERS("etcdserver: too many learner members in cluster"),
  UNHEALTHY("etcdserver: unhealthy cluster");

  private final String message;

  MemberError(String message) {
    this.message = message;
  }

  String message() {
    return message;
  }
}
