/*
 * Starts AWS's DynamoDB Local bound to one address (127.0.0.1) instead of every interface.
 *
 * DynamoDBLocal.jar has no -host option: its server is a Jetty Server built with only a port,
 * which listens on all interfaces, so anyone on the network could read and write the local table
 * (wallets, API key items). This launcher builds the server exactly as the jar's own main does
 * (ServerRunner.createServerFromCommandLineArgs, same options), sets the host on its connector
 * before starting it, and starts it. It skips the jar's main, which also configures telemetry;
 * -disableTelemetry is passed anyway. Run in Java's source-file mode (JEP 330), no build step:
 *
 *   java -cp "DynamoDBLocal.jar:DynamoDBLocal_lib/*" LoopbackDynamoDBLocal.java 127.0.0.1 -inMemory -port 8000
 *
 * tools/dynamodb-local/start.ts runs it; test/integration/dynamo-local.test.ts checks the listen address.
 */
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer proxy =
        ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built no connector");
    for (Connector connector : connectors) ((AbstractNetworkConnector) connector).setHost(host);
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
  }
}
