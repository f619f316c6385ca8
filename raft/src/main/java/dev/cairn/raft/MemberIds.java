package dev.cairn.raft;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * How members are named on the wire and in Ratis.
 *
 * <pre>
 *   member id  = first 8 bytes of sha256("cairn-member/" + scheme://host:port of the first peer URL)
 *   Ratis peer = id in hex, address host:port          (MemberAdd carries only peer URLs, as etcd)
 *   cluster id = first 8 bytes of sha256("cairn-cluster/" + Raft group uuid)
 *   Raft group = uuid from "cairn/" + --initial-cluster-token
 * </pre>
 */
final class MemberIds {
  private MemberIds() {}

  static RaftGroupId groupId(String clusterToken) {
    return RaftGroupId.valueOf(
        java.util.UUID.nameUUIDFromBytes(
            ("cairn/" + clusterToken).getBytes(StandardCharsets.UTF_8)));
  }

  static long clusterId(RaftGroupId group) {
    return hash64("cairn-cluster/" + group.getUuid());
  }

  /** A member's id: from its first advertised peer URL (scheme, host and port). */
  static long memberId(URI peerUrl) {
    return hash64(
        "cairn-member/"
            + peerUrl.getScheme()
            + "://"
            + peerUrl.getHost()
            + ":"
            + peerUrl.getPort());
  }

  static long memberId(RaftPeerId peer) {
    return Long.parseUnsignedLong(peer.toString(), 16);
  }

  static RaftPeerId peerId(long memberId) {
    return RaftPeerId.valueOf(Long.toHexString(memberId));
  }

  /** The Ratis peer of a member with this peer URL; learners are Ratis listeners. */
  static RaftPeer peer(URI peerUrl, boolean learner) {
    RaftPeer.Builder b =
        RaftPeer.newBuilder()
            .setId(peerId(memberId(peerUrl)))
            .setAddress(NodeConfig.hostPort(peerUrl));
    if (learner) {
      b.setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER);
    }
    return b.build();
  }

  static List<RaftPeer> peers(Map<String, URI> cluster) {
    List<RaftPeer> out = new ArrayList<>();
    cluster.forEach((name, url) -> out.add(peer(url, false)));
    return out;
  }

  private static long hash64(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[i] & 0xff);
      }
      return v & Long.MAX_VALUE;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
