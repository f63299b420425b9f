package dev.pharos.harness;

import dev.pharos.launcher.Pharos;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pharos.harness.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless chromium against a real node, dockerd and ZooKeeper: each
 * service is one summary row that opens into its instances; a container started by the test
 * shows up with its health without a reload, maintenance takes it out of ZooKeeper and puts it
 * back, a malformed definition shows its reason, the search filters; the Changes panel opens with
 * the stream's backlog; a change is applied without asking for the whole list again; a REST host
 * shows that nothing checks it, and how fresh it is.
 */
class DashboardIT extends EndToEndTest {

  private ChromeDriver browser;

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private WebElement row(String instanceId, String state) {
    String selector = "tr[data-instance-id='" + instanceId + "']" + (state == null ? "" : "[data-state='" + state + "']");
    return new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(selector));
      return found.isEmpty() ? null : found.get(0);
    });
  }

  /**
   * Clicks what {@code selector} finds once it is there: the page redraws a row when what it
   * shows changes (the change's event, then the server's page), so an element found a moment
   * ago may have been replaced; it is found again until the click lands.
   */
  private void click(String selector) {
    new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
      .until(d -> {
        List<WebElement> found = d.findElements(By.cssSelector(selector));
        if (found.isEmpty()) {
          return false;
        }
        found.get(0).click();
        return true;
      });
  }

  private WebElement summary(String service, String count) {
    String selector = "tr.service[data-service='" + service + "']" + (count == null ? "" : "[data-count='" + count + "']");
    return new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(selector));
      return found.isEmpty() ? null : found.get(0);
    });
  }

  /** Counts, from now on, the page's requests for the whole service list (not one service's summary or page). */
  private void countListFetches() {
    browser.executeScript("""
      window.listFetches = [];
      var original = window.fetch;
      window.fetch = function (url, options) {
        var u = new URL(String(url), location.href);
        if (u.pathname === '/v1/services' && !u.searchParams.has('app')) { window.listFetches.push(u.search); }
        return original.apply(this, arguments);
      };""");
  }

  private List<?> listFetches() {
    return (List<?>) browser.executeScript("return window.listFetches;");
  }

  private static final java.util.regex.Pattern ONE_FORMAT = java.util.regex.Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");

  @Test
  void restHostsShowNoCheckAndChangesApplyWithoutRefetchingTheList(@TempDir Path profile) throws Exception {
    Pharos node = harness.start(harness.conf("rest-" + harness.runId(), new JsonObject()));
    String api = Harness.api(node);
    String host = "{\"name\":\"%s\",\"endpoints\":{\"http\":\"http://10.9.0.%d:8080/\"}}";
    assertEquals(200, Http.send("PUT", api + "/srv/shop/rest-1", String.format(host, "rest-1", 1)).statusCode());

    browser = Browser.start(profile, 1280, 900);
    browser.get(api + "/ui/?refresh=0"); // no timed refresh of the list: any fetch of it would be the change's
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> "live".equals(d.findElement(By.id("live")).getText()));
    WebElement backlog = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#changes li")).stream()
      .filter(li -> li.getText().contains("srv-updated /srv/shop/rest-1")).findFirst().orElse(null));
    assertTrue(ONE_FORMAT.matcher(backlog.getText()).find(), "the backlog, in the one time format: " + backlog.getText());

    WebElement shop = summary("shop", "1");
    assertTrue(shop.getText().contains("1 no check"), "one host, nothing checks it: " + shop.getText());
    assertTrue(shop.getText().toLowerCase(java.util.Locale.ROOT).contains("rest 1"), "its source: " + shop.getText());
    assertTrue(browser.findElements(By.cssSelector("tr[data-instance-id='rest-1']")).isEmpty(), "a summary, not its instances");
    countListFetches();
    click("tr.service[data-service='shop']");
    WebElement rest = row("rest-1", "unchecked");
    assertTrue(rest.getText().contains("no check") && rest.getText().contains("updated") && rest.getText().contains("s ago"),
      "what is known of it: " + rest.getText());
    assertTrue(rest.findElements(By.cssSelector(".badge.up")).isEmpty(), "not shown up: " + rest.getText());
    WebElement time = rest.findElement(By.tagName("time"));
    assertTrue(ONE_FORMAT.matcher(time.getText()).matches(), "one time format: " + time.getText());
    assertTrue(time.getAttribute("title").endsWith(" UTC"), "the source in UTC: " + time.getAttribute("title"));

    browser.executeScript("window.loadedOnce = 'yes';");
    assertEquals(200, Http.send("PUT", api + "/srv/shop/rest-2", String.format(host, "rest-2", 2)).statusCode());
    row("rest-2", "unchecked");
    summary("shop", "2");
    assertEquals(200, Http.send("PUT", api + "/srv/cart/rest-9", String.format(host, "rest-9", 9)).statusCode());
    summary("cart", "1");
    new WebDriverWait(browser, Duration.ofSeconds(10))
      .until(d -> d.findElement(By.id("counts")).getText().startsWith("2 services, 3 instances"));
    assertEquals(List.of(), listFetches(), "changes applied without asking for the list again");
    assertEquals("yes", browser.executeScript("return window.loadedOnce;"), "no reload happened");
    Browser.screenshot(browser, "dashboard-rest-hosts");

    new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("max-age"))).selectByValue("30");
    browser.executeScript("localStorage.removeItem('pharos.maxAge');");
    assertEquals(204, Http.send("DELETE", api + "/srv/shop/rest-1", null).statusCode());
    summary("shop", "1");
    new WebDriverWait(browser, Duration.ofSeconds(10))
      .until(d -> d.findElements(By.cssSelector("tr[data-instance-id='rest-1']")).isEmpty());
  }

  @Test
  void aContainerAppearsLiveAndMaintenanceDrainsIt(@TempDir Path profile) throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    harness.define("dev", "broken", "{\"nerve\": {\"checks\": [{\"type\": \"telnet\"}]}}");
    String instanceIdPrefix = "ui-" + harness.runId();
    Pharos node = harness.start(harness.conf(instanceIdPrefix, new JsonObject()));
    String api = Harness.api(node);

    browser = Browser.start(profile, 1280, 900);
    browser.get(api + "/ui/?refresh=0");
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> "live".equals(d.findElement(By.id("live")).getText()));
    browser.executeScript("window.loadedOnce = 'yes';");
    countListFetches();

    WebElement malformed = new WebDriverWait(browser, Duration.ofSeconds(20))
      .until(d -> d.findElements(By.cssSelector("#malformed li[data-path='/env/dev/sd/broken']")).stream().findFirst().orElse(null));
    assertTrue(malformed.getText().contains("telnet"), "the reason is shown: " + malformed.getText());

    String container = harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web"));
    String instanceId = instanceIdPrefix + "-" + Harness.shortId(container);
    summary("web", "1");
    click("tr.service[data-service='web']"); // the service's row, from the change alone, opens into its instances
    WebElement up = row(instanceId, "up");
    assertEquals(List.of(), listFetches(), "the container came from the change stream, not a new fetch of the list");
    assertTrue(summary("web", "1").getText().contains("1 up"), summary("web", null).getText());
    assertTrue(up.getText().contains("127.0.0.1:" + harness.hostPort(container, 80)), up.getText());
    assertTrue(up.getText().contains("tcp") && up.getText().contains("passed") && up.getText().contains("rise"),
      "the check's last result and rise/fall counters: " + up.getText());
    assertTrue(up.getText().contains("since") && ONE_FORMAT.matcher(up.getText()).find(), "registered since: " + up.getText());
    assertEquals("yes", browser.executeScript("return window.loadedOnce;"), "no reload happened");
    Browser.screenshot(browser, "dashboard-instance-up");

    click("tr[data-instance-id='" + instanceId + "'][data-state='up'] button[data-action='maintenance-on']");
    row(instanceId, "maintenance");
    await("drained from ZooKeeper", () -> harness.registrations("dev", "web").isEmpty());
    Browser.screenshot(browser, "dashboard-maintenance");
    row(instanceId, "maintenance");
    click("tr[data-instance-id='" + instanceId + "'][data-state='maintenance'] button[data-action='maintenance-off']");
    row(instanceId, "up");
    await("registered again", () -> harness.registrations("dev", "web").size() == 1);

    WebElement search = browser.findElement(By.id("search"));
    search.sendKeys("no-such-service");
    new WebDriverWait(browser, Duration.ofSeconds(5))
      .until(d -> d.findElements(By.cssSelector("tr[data-instance-id='" + instanceId + "']")).isEmpty()
        && d.findElements(By.cssSelector("tr.service")).isEmpty());
    search.clear();
    search.sendKeys("web");
    row(instanceId, null);
    assertEquals("yes", browser.executeScript("return window.loadedOnce;"), "still the same page");

    browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844)); // a phone
    Path phone = Browser.screenshot(browser, "dashboard-phone");
    assertTrue(Files.size(phone) > 0);
    Number overflow = (Number) browser.executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
    assertTrue(overflow.intValue() <= 0, "no sideways scrolling on a phone: " + overflow);
  }

  @Test
  void maintenanceOverHttpNeedsTheTokenAKnownInstanceAndAGoodBody() throws Exception {
    harness.define("dev", "web", "{\"nerve\": {\"check_interval\": 0.2, \"checks\": [{\"type\": \"tcp\", \"timeout\": 0.5}]}}");
    String prefix = "mt-" + harness.runId();
    Pharos node = harness.start(harness.conf(prefix, new JsonObject().put("api", new JsonObject().put("port", 0).put("token", "s3cret"))));
    String api = Harness.api(node);
    String instanceId = prefix + "-" + Harness.shortId(harness.runHttpd(Map.of("sd-env", "dev", "sd-name", "web")));
    await("registered", () -> harness.registrations("dev", "web").size() == 1);
    String url = api + "/v1/instances/" + instanceId + "/maintenance";

    assertEquals(401, Http.send("PUT", url, null).statusCode(), "writes need the token");
    assertEquals(404, Http.authorized("PUT", api + "/v1/instances/nobody/maintenance", null, "s3cret").statusCode());
    var bad = Http.authorized("PUT", url, "{\"maintenance\": \"yes\"}", "s3cret");
    assertEquals(400, bad.statusCode());
    assertTrue(new JsonObject(bad.body()).getString("error").contains("maintenance"), bad.body());
    assertEquals(1, harness.registrations("dev", "web").size(), "refused requests change nothing");

    var on = Http.authorized("PUT", url, "{\"reason\": \"disk swap\"}", "s3cret");
    assertEquals(200, on.statusCode(), on.body());
    await("drained", () -> harness.registrations("dev", "web").isEmpty());
    JsonObject drained = Http.getJson(api + "/v1/instances").getJsonArray("maintenance").getJsonObject(0);
    assertEquals("disk swap", drained.getString("reason"));
    assertEquals(200, Http.authorized("DELETE", url, null, "s3cret").statusCode());
    await("back", () -> harness.registrations("dev", "web").size() == 1);
  }
}
