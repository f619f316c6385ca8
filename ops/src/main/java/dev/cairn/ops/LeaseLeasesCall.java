package dev.cairn.ops;

import com.google.protobuf.CodedInputStream;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code Lease.LeaseLeases}, which jetcd's generated API lacks: an empty request, and a
 * response whose field 2 repeats {@code LeaseStatus{int64 ID = 1}}. Decoded by hand from the wire.
 */
final class LeaseLeasesCall {
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

  static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.Lease/LeaseLeases")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private LeaseLeasesCall() {}

  static List<Long> call(ManagedChannel channel, long timeoutMillis) throws IOException {
    byte[] response =
        ClientCalls.blockingUnaryCall(
            channel,
            METHOD,
            CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS),
            new byte[0]);
    return decodeIds(response);
  }

  static List<Long> decodeIds(byte[] response) throws IOException {
    List<Long> ids = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(response);
    for (int tag; (tag = in.readTag()) != 0; ) {
      if (tag == ((2 << 3) | 2)) {
        CodedInputStream status = CodedInputStream.newInstance(in.readByteArray());
        for (int t; (t = status.readTag()) != 0; ) {
          if (t == ((1 << 3) | 0)) {
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
}
