package dev.cairn.ops;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} command: one entry point for running, using and operating Cairn. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    version = "cairn 0.1.0",
    description = "An etcd-compatible store on Raft and RocksDB.",
    subcommands = {
      UpCommand.class,
      NodeCommand.class,
      DownCommand.class,
      KvCommand.class,
      LeaseCommand.class,
      MemberCommand.class,
      EndpointCommand.class,
      MaintenanceCommands.Compaction.class,
      MaintenanceCommands.Defrag.class,
      MaintenanceCommands.MoveLeader.class,
      SnapshotCommand.class,
      BenchCommand.class,
      CertsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Cairn {

  public static void main(String[] args) {
    dev.cairn.raft.NodeMain.prepareJvm();
    // grpc-java logs through java.util.logging; keep its start-up chatter off the terminal
    java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
    System.exit(run(args));
  }

  /** A one-line description of a failure, naming the file when the JDK's message is only a path. */
  static String describe(Throwable e) {
    if (e instanceof java.nio.file.NoSuchFileException f) {
      return "no such file or directory: " + f.getFile();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f) {
      return "already exists: " + f.getFile();
    }
    if (e instanceof java.nio.file.AccessDeniedException f) {
      return "permission denied: " + f.getFile();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 usage). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Cairn());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("error: " + describe(e));
          return 1;
        });
    return cl.execute(args);
  }
}
