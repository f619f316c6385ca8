package dev.cairn.raft;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * etcd's {@code Lease.LeaseLeases} (what {@code etcdctl lease list} calls), which jetcd's generated
 * API lacks. Its messages are tiny, so they are written and read by hand from the wire format:
 *
 * <pre>
 *   LeaseLeasesRequest  {}
 *   LeaseLeasesResponse { ResponseHeader header = 1; repeated LeaseStatus leases = 2; }
 *   LeaseStatus         { int64 ID = 1; }
 * </pre>
 */
public final class LeaseLeases {
  private static final String SERVICE = "etcdserverpb.Lease";

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  public static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "LeaseLeases"))
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private LeaseLeases() {}

  /** The response bytes for these lease ids. */
  static byte[] encode(ResponseHeader header, List<Long> ids) {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(buf);
      out.writeMessage(1, header);
      for (long id : ids) {
        out.writeTag(2, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(CodedOutputStream.computeInt64Size(1, id));
        out.writeInt64(1, id);
      }
      out.flush();
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lease ids of a response. */
  public static List<Long> decodeIds(byte[] response) throws IOException {
    List<Long> ids = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(response);
    for (int tag; (tag = in.readTag()) != 0; ) {
      if (tag == ((2 << 3) | 2)) {
        CodedInputStream status = CodedInputStream.newInstance(in.readByteArray());
        for (int t; (t = status.readTag()) != 0; ) {
          if (t == (1 << 3)) {
            ids.add(status.readInt64());
          } else {
            status.skipField(t);
          }
        }
      } else {
        in.skipField(tag);
      }
    }
    return ids;
  }

  /** The Lease service with LeaseLeases added, answered from {@code answer}. */
  static ServerServiceDefinition withLeaseLeases(
      ServerServiceDefinition lease, Supplier<byte[]> answer) {
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(SERVICE);
    for (ServerMethodDefinition<?, ?> m : lease.getMethods()) {
      descriptor.addMethod(m.getMethodDescriptor());
    }
    descriptor.addMethod(METHOD);
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> m : lease.getMethods()) {
      b.addMethod(m);
    }
    b.addMethod(
        METHOD,
        ServerCalls.asyncUnaryCall(
            (request, out) -> {
              try {
                out.onNext(answer.get());
                out.onCompleted();
              } catch (RuntimeException e) {
                out.onError(EtcdErrors.toStatus(e));
              }
            }));
    return b.build();
  }
}
