package dev.cairn.ops;

import io.etcd.jetcd.Client;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn snapshot save|status|restore}: backing up and restoring the store. */
@Command(
    name = "snapshot",
    description = "Back up and restore the store.",
    subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Status.class, RestoreCommand.class})
final class SnapshotCommand {

  static void print(Output out, SnapshotFile.Info info) throws Exception {
    out.object(
        Output.row(
            "hash", String.format("%08x", info.hash()),
            "revision", info.revision(),
            "total_keys", info.keys(),
            "total_size", info.sizeBytes()));
  }

  @Command(name = "save", description = "Stream a snapshot from one endpoint into FILE.")
  static final class Save implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    Path file;

    @Option(names = "--no-progress", description = "Do not draw a progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
      String endpoint = client.endpoints().get(0);
      long start = System.nanoTime();
      long[] revision = {0};
      Path part = file.resolveSibling(file.getFileName() + ".part");
      Files.deleteIfExists(part);
      try {
        try (FileChannel ch =
                FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ProgressBar bar =
                new ProgressBarBuilder()
                    .setTaskName("snapshot")
                    .setInitialMax(-1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" MiB", 1 << 20)
                    .setConsumer(
                        noProgress
                            ? new me.tongfei.progressbar.DelegatingProgressBarConsumer(s -> {})
                            : new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .build();
            Client c = client.connect(java.util.List.of(endpoint))) {
          OutputStream out =
              new FilterOutputStream(
                  new BufferedOutputStream(
                      java.nio.channels.Channels.newOutputStream(ch), 1 << 20)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  out.write(b, off, len);
                  bar.stepBy(len);
                }
              };
          java.util.concurrent.CompletableFuture<Void> done =
              new java.util.concurrent.CompletableFuture<>();
          c.getMaintenanceClient()
              .snapshot(
                  new io.grpc.stub.StreamObserver<io.etcd.jetcd.maintenance.SnapshotResponse>() {
                    @Override
                    public void onNext(io.etcd.jetcd.maintenance.SnapshotResponse r) {
                      revision[0] = r.getHeader().getRevision();
                      try {
                        r.getBlob().writeTo(out);
                      } catch (IOException e) {
                        done.completeExceptionally(e);
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                      done.complete(null);
                    }
                  });
          client.await(done.orTimeout(client.timeout.toMillis() * 60, TimeUnit.MILLISECONDS));
          out.flush();
          ch.force(true);
        }
        System.err.printf(
            java.util.Locale.ROOT,
            "streamed %d bytes in %.2f s%n",
            Files.size(part),
            (System.nanoTime() - start) / 1e9);
        SnapshotFile.verify(part);
        try {
          Files.move(
              part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (Exception e) {
        Files.deleteIfExists(part);
        throw e;
      }
      // the stream's header names the revision the snapshot holds; count its keys there
      long keys;
      try (Client c = client.connect(java.util.List.of(endpoint))) {
        keys =
            client
                .await(
                    c.getKVClient()
                        .get(
                            io.etcd.jetcd.ByteSequence.from(new byte[] {0}),
                            io.etcd.jetcd.options.GetOption.builder()
                                .withRange(io.etcd.jetcd.ByteSequence.from(new byte[] {0}))
                                .withCountOnly(true)
                                .withSerializable(true)
                                .withRevision(revision[0])
                                .build()))
                .getCount();
      }
      client
          .out()
          .object(
              Output.row(
                  "revision", revision[0], "total_keys", keys, "total_size", Files.size(file)));
      System.err.println("Snapshot saved at " + file);
      return 0;
    }
  }

  @Command(name = "status", description = "Revision, keys, size and hash of a snapshot file.")
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0")
    Path file;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "table, json or yaml")
    Output.Format output;

    @Override
    public Integer call() throws Exception {
      print(new Output(output), SnapshotFile.inspect(file));
      return 0;
    }
  }
}
