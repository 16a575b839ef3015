// A HIS written in Java 17 talking to `yibao serve` (docs/service.md): java.net.http only, no jars.
//
//   javac -d build src/HisClient.java
//   java -cp build HisClient http://127.0.0.1:8765 TOKEN CERTNO MED_LIST_CODG [BILL_NO]
//
// 1. POST /v1/identify                       the person, by ID card (1101)
// 2. POST /v1/pharmacy/settlements           the bill, with Idempotency-Key = the HIS's bill number,
//                                            and a client-side timeout that is too short
// 3. the same request again, same key        409 while the first still runs, then the replay
//                                            (Idempotent-Replayed: true): charged once
// 4. POST /v1/pharmacy/settlements/{setl_id}/cancel   2103, with its own key
//
// Every error of the service is application/problem+json with "kind" and "exit_code": the HIS
// handles the same outcomes as a `yibao call` script.  A real HIS parses JSON with its own library;
// this example keeps to the JDK and reads the few fields it needs with two small helpers.

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class HisClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    private HisClient(String base, String token) {
        this.base = base.replaceAll("/+$", "");
        this.token = token;
    }

    private HttpResponse<String> post(String path, String json, String key, Duration timeout) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The same bill until the service has its answer: the key makes every resend harmless. */
    private HttpResponse<String> untilAnswered(String path, String json, String key) throws Exception {
        for (int attempt = 1; attempt <= 60; attempt++) {
            HttpResponse<String> r;
            try {
                r = post(path, json, key, Duration.ofSeconds(30));
            } catch (IOException e) {
                // No answer (a timeout, or a pooled connection that broke as it was reused): the
                // service may have it or not, and the same key sorts that out.
                System.out.println(path + ": " + e.getClass().getSimpleName() + ", the same request again in 1 s");
                Thread.sleep(1000L);
                continue;
            }
            if (r.statusCode() != 409) {
                return r;
            }
            // 409 "conflict": the first request with this key is still running (or being resolved).
            long wait = r.headers().firstValueAsLong("Retry-After").orElse(1L);
            System.out.println("settle: 409 " + field(r.body(), "kind") + ", retry in " + wait + " s");
            Thread.sleep(wait * 1000L);
        }
        throw new IllegalStateException("no answer for " + key);
    }

    private static String fail(HttpResponse<String> r) {
        // problem+json: kind tells what happened; exit_code is the CLI's code for it.
        return "HTTP " + r.statusCode() + " kind=" + field(r.body(), "kind") + " exit_code="
            + number(r.body(), "exit_code") + " msgid=" + field(r.body(), "msgid") + " detail=" + field(r.body(), "detail");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: HisClient BASE_URL TOKEN CERTNO MED_LIST_CODG [BILL_NO]");
            System.exit(2);
        }
        HisClient his = new HisClient(args[0], args[1]);
        String bill = args.length > 4 ? args[4] : "RX-" + System.currentTimeMillis();

        HttpResponse<String> who = his.post("/v1/identify",
            "{\"medium\": {\"kind\": \"id_card\", \"certno\": \"" + args[2] + "\"}}", null, Duration.ofSeconds(30));
        if (who.statusCode() != 200) {
            System.err.println("identify failed: " + fail(who));
            System.exit(3);
        }
        String person = object(who.body(), "person");
        System.out.println("identify: ok psn_no=" + field(person, "psn_no"));

        String sale = "{\"person\": " + person + ", \"items\": [{\"feedetl_sn\": \"1\", \"med_list_codg\": \""
            + args[3] + "\", \"medins_list_codg\": \"HIS-0001\", \"cnt\": 2, \"pric\": 12.50}]}";
        HttpResponse<String> settled;
        try {
            settled = his.post("/v1/pharmacy/settlements", sale, bill, Duration.ofMillis(1000));
            System.out.println("settle: answered within the client timeout");
        } catch (HttpTimeoutException e) {
            // The answer did not come in time: the bill may or may not be charged.  Never a new
            // bill number here: the same request with the same key gets the first answer.
            System.out.println("settle: client-side timeout, sending the same bill again");
            settled = his.untilAnswered("/v1/pharmacy/settlements", sale, bill);
        } catch (IOException e) {
            // The connection broke before the answer (the same uncertainty, the same remedy).
            System.out.println("settle: " + e.getClass().getSimpleName() + ", sending the same bill again");
            settled = his.untilAnswered("/v1/pharmacy/settlements", sale, bill);
        }
        if (settled.statusCode() != 200) {
            System.err.println("settle failed: " + fail(settled));
            System.exit(4);
        }
        String replayed = settled.headers().firstValue("Idempotent-Replayed").orElse("false");
        String setlId = field(settled.body(), "setl_id");
        System.out.println("settle: ok replayed=" + replayed + " setl_id=" + setlId + " medfee_sumamt="
            + number(settled.body(), "medfee_sumamt"));

        String cancel = "{\"person\": " + person + ", \"setl_id\": \"" + setlId + "\", \"mdtrt_id\": \""
            + field(settled.body(), "mdtrt_id") + "\"}";
        HttpResponse<String> undone = his.untilAnswered("/v1/pharmacy/settlements/" + setlId + "/cancel", cancel,
            bill + "-cancel");
        if (undone.statusCode() != 200) {
            System.err.println("cancel failed: " + fail(undone));
            System.exit(5);
        }
        System.out.println("cancel: ok setl_id=" + field(undone.body(), "setl_id") + " medfee_sumamt="
            + number(undone.body(), "medfee_sumamt"));
    }

    // ------------------------------------------------------------------ tiny JSON readers

    /** The string value of the first "key" in the text ("" when absent or null). */
    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** The number value of the first "key" in the text, as written (amounts keep their digits). */
    static String number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(-?[0-9.]+)").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** The raw text of the object value of the first "key", braces matched outside strings. */
    static String object(String json, String key) {
        int start = json.indexOf('{', json.indexOf("\"" + key + "\""));
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return json.substring(start, i + 1);
            }
        }
        throw new IllegalArgumentException("no object " + key);
    }
}
