package dev.cairn.raft;

import java.nio.ByteBuffer;

/**
 * Read-only requests answered by {@link StoreStateMachine#query}: a tag byte (64 and up, apart from
 * the command tags of {@link CommandCodec}) and a body.
 *
 * <pre>
 *   LEASE_KEEP_ALIVE 65 · id(long)        → OK · LeaseKeepAliveResponse   (answered by the leader)
 *   LEASE_TIME_TO_LIVE 66 · id · keys(1)  → OK · LeaseTimeToLiveResponse  (answered by the leader)
 *   MEMBER 67                             → OK · Member of the answering node
 *   BARRIER 68                            → OK   (a read index reached: see {@link ReadBarrier})
 *   MEMBER_ROLE 69 · peer id (UTF-8)      → OK · 0 unknown | 1 voter | 2 learner   ({@link MemberRole})
 *   CONNECTED 70                          → OK · count(int) · member id(long)*  members the leader
 *                                           heard from lately, itself included ({@link ReconfigCheck})
 * </pre>
 */
final class Query {
  static final byte LEASE_KEEP_ALIVE = 65;
  static final byte LEASE_TIME_TO_LIVE = 66;
  static final byte MEMBER = 67;
  static final byte BARRIER = 68;
  static final byte MEMBER_ROLE = 69;
  static final byte CONNECTED = 70;

  private Query() {}

  static byte[] keepAlive(long id) {
    return ByteBuffer.allocate(9).put(LEASE_KEEP_ALIVE).putLong(id).array();
  }

  static byte[] timeToLive(long id, boolean keys) {
    return ByteBuffer.allocate(10)
        .put(LEASE_TIME_TO_LIVE)
        .putLong(id)
        .put((byte) (keys ? 1 : 0))
        .array();
  }

  static byte[] barrier() {
    return new byte[] {BARRIER};
  }

  static byte[] member() {
    return new byte[] {MEMBER};
  }

  static byte[] connected() {
    return new byte[] {CONNECTED};
  }

  static byte[] memberRole(String peerId) {
    return CommandCodec.tagged(
        MEMBER_ROLE, peerId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
