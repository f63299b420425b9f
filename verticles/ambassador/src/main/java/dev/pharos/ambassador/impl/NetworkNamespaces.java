package dev.pharos.ambassador.impl;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Creates sockets inside another process's network namespace. A socket belongs to the namespace
 * its creating thread was in when it was created; binding, accepting and reading it later from
 * any thread is fine. So one dedicated thread enters the namespace ({@code setns(2)} on
 * {@code /proc/<pid>/ns/net}), creates the socket, and comes back; the socket then lives on
 * Vert.x's event loop like any other. {@code setns} moves only the calling thread, so no event
 * loop ever leaves the host's namespace, and the dedicated thread creates nothing outside the
 * window between entering and leaving. Entering needs CAP_SYS_ADMIN (root).
 */
public final class NetworkNamespaces {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkNamespaces.class);
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY_CLOEXEC = 0x80000; // O_RDONLY (0) | O_CLOEXEC (Linux, x86-64 and arm64)
  private static final int EPERM = 1;
  private static final int ENOENT = 2;
  private static final int ESRCH = 3;
  private static final int EACCES = 13;

  /** The C library calls this needs; JNA comes with docker-java already. */
  interface CLibrary extends Library {
    int open(String path, int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** Why a namespace could not be entered, in words an operator acts on. */
  public static final class NamespaceException extends Exception {
    NamespaceException(String message) {
      super(message);
    }
  }

  private static CLibrary libc;
  /** The host's namespace: the one Pharos's own threads are in, held open to come back to. */
  private static int hostNamespace = -1;
  /** One thread, a short queue: entering namespaces is rare (a listener's open), and never on an event loop. */
  private static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
    new ArrayBlockingQueue<>(256), r -> {
      Thread t = new Thread(r, "pharos-netns");
      t.setDaemon(true);
      return t;
    });

  private NetworkNamespaces() {
  }

  /**
   * Loads the library (slow: on the dedicated thread, not the event loop) and opens what coming
   * back needs, once, on the dedicated thread before it first enters anywhere: a Vert.x thread
   * started it, so its namespace is the host's. {@code /proc/thread-self} rather than
   * {@code /proc/self}: the latter is the thread group leader's, unreadable once that thread has
   * exited, and says nothing of the thread that moves.
   */
  private static synchronized CLibrary libc() throws NamespaceException {
    if (libc == null) {
      try {
        CLibrary loaded = Native.load("c", CLibrary.class);
        hostNamespace = loaded.open("/proc/thread-self/ns/net", O_RDONLY_CLOEXEC);
        libc = loaded;
      } catch (LastErrorException e) {
        throw new NamespaceException("cannot open this process's own network namespace: " + describe(e.getErrorCode()));
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        throw new NamespaceException("cannot call setns through JNA: " + e.getMessage());
      }
    }
    return libc;
  }

  /**
   * Creates {@code create}'s socket in the network namespace of process {@code pid}, on the
   * dedicated thread. The future completes on {@code context}; when it has already failed by
   * timeout, a socket created late goes to {@code discard}.
   */
  public static <T> Future<T> create(ContextInternal context, int pid, Supplier<T> create, Consumer<T> discard, long timeoutMs) {
    Promise<T> promise = context.promise();
    if (pid <= 0) {
      promise.fail(new NamespaceException("its process id is unknown"));
      return promise.future();
    }
    long timer = context.owner().setTimer(timeoutMs, t -> promise.tryFail(
      new NamespaceException("the namespace thread did not answer within " + timeoutMs + " ms")));
    promise.future().onComplete(ar -> context.owner().cancelTimer(timer));
    try {
      EXECUTOR.execute(() -> {
        if (promise.future().isComplete()) {
          return; // timed out while queued
        }
        try {
          T created = inNamespace(pid, create);
          if (!promise.tryComplete(created)) {
            discard.accept(created);
          }
        } catch (Throwable e) {
          promise.tryFail(e);
        }
      });
    } catch (RejectedExecutionException e) {
      promise.fail(new NamespaceException("too many namespace requests queued"));
    }
    return promise.future();
  }

  private static <T> T inNamespace(int pid, Supplier<T> create) throws NamespaceException {
    CLibrary c = libc();
    String path = "/proc/" + pid + "/ns/net";
    int target;
    try {
      target = c.open(path, O_RDONLY_CLOEXEC);
    } catch (LastErrorException e) {
      throw new NamespaceException("cannot open " + path + ": " + describe(e.getErrorCode()));
    }
    try {
      try {
        c.setns(target, CLONE_NEWNET);
      } catch (LastErrorException e) {
        throw new NamespaceException("cannot enter " + path + ": " + describe(e.getErrorCode()));
      }
      try {
        return create.get();
      } finally {
        leave(c);
      }
    } finally {
      c.close(target);
    }
  }

  private static void leave(CLibrary c) {
    try {
      c.setns(hostNamespace, CLONE_NEWNET);
    } catch (LastErrorException e) {
      // harmless to the rest of Pharos (no other thread moved), and this thread creates sockets only after entering
      LOG.error("the namespace thread could not come back to the host's network namespace: {}", describe(e.getErrorCode()));
    }
  }

  static String describe(int errno) {
    return switch (errno) {
      case EPERM -> "no privilege (EPERM): entering another network namespace needs CAP_SYS_ADMIN, i.e. Pharos as root";
      case EACCES -> "no privilege (EACCES): reading another process's namespace needs root";
      case ENOENT, ESRCH -> "the process is gone (" + (errno == ENOENT ? "ENOENT" : "ESRCH") + ")";
      default -> "errno " + errno;
    };
  }
}
