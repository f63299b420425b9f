package dev.pharos.nesoi;

import dev.pharos.zookeeper.PerClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which {@code /srv/{name}} resources have web-hooks, followed from {@code /nesoi/hooks/srv} by
 * one Curator cache: a registrar records a change for the hooks of a service only when it has
 * some, and asking costs no ZooKeeper request per registration. The hooks are few and small.
 *
 * <p>A hook is heard of a moment after it is written (the cache's watch), so a Docker
 * registration in that moment is not recorded for it; a REST write through the api checks in
 * its own transaction and has no such moment.
 *
 * <p>One per Curator client, so one per process ({@link #acquire}): every registrar instance of
 * the process asks the same view.
 */
public final class HookedServices {

  private static final String PARENT = NesoiStore.HOOKS + "/srv";
  private static final PerClient<HookedServices> SHARED = new PerClient<>(client -> {
    HookedServices made = new HookedServices(client);
    made.cache.start();
    return made;
  }, made -> made.cache.close());

  private final CuratorFramework client;
  private final CuratorCache cache;
  /** Hooks per service name. */
  private final Map<String, Integer> hooks = new ConcurrentHashMap<>();
  private volatile boolean loaded;

  private HookedServices(CuratorFramework client) {
    this.client = client;
    cache = CuratorCache.build(client, PARENT);
    cache.listenable().addListener(CuratorCacheListener.builder()
      .forCreates(node -> count(node.getPath(), 1))
      .forDeletes(node -> count(node.getPath(), -1))
      .forInitialized(() -> loaded = true)
      .build());
  }

  /**
   * The view of the hooks on {@code client}, following them from the first acquire on;
   * {@link #hooked} answers null until its first load is complete. Give it back with
   * {@link #release}.
   */
  public static HookedServices acquire(CuratorFramework client) {
    return SHARED.acquire(client);
  }

  /** The last release stops the following. */
  public void release() {
    SHARED.release(client, this);
  }

  /** {@code /nesoi/hooks/srv/{name}/{hook}} counts for {@code name}; other depths do not. */
  private void count(String path, int delta) {
    if (!path.startsWith(PARENT + "/")) {
      return;
    }
    String rest = path.substring(PARENT.length() + 1);
    int slash = rest.indexOf('/');
    if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
      return;
    }
    hooks.merge(rest.substring(0, slash), delta, (a, b) -> a + b <= 0 ? null : a + b);
  }

  /** True when {@code /srv/{service}} has a hook; null while the hooks have not loaded yet. */
  public Boolean hooked(String service) {
    return loaded ? hooks.containsKey(service) : null;
  }
}
