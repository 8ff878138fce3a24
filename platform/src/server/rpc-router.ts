import { create, type DescMethod, type DescService, isMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ConnectRouterOptions,
  createConnectRouter,
  createHandlerContext,
  createMethodImplSpec,
  createRouterTransport,
  createServiceImplSpec,
  type Interceptor,
  type MethodImplSpec,
  type Transport,
} from "@connectrpc/connect";
import { invokeUnaryImplementation, type UniversalHandler } from "@connectrpc/connect/protocol";

export interface RpcRouter {
  /** Connect's protocol handlers (Connect, gRPC, gRPC-Web) by request path: `/pkg.Service/Method`. */
  readonly handlers: ReadonlyMap<string, UniversalHandler>;
  /**
   * Calls the same implementations through the same interceptors, in process: unary calls hand the
   * message over as it is — no serialisation — so REST pays only for its own JSON.
   */
  readonly local: Transport;
}

/**
 * Registers a service's routes once and exposes them two ways: as protocol handlers for the wire,
 * and as an in-process transport for REST routes. The implementations are captured on the way in
 * (Connect's router keeps them inside its handlers), so both ways run the very same code.
 */
export function createRpcRouter(
  routes: (router: ConnectRouter) => void,
  options: ConnectRouterOptions & { interceptors: Interceptor[] },
): RpcRouter {
  const router = createConnectRouter(options);
  const specs = new Map<DescMethod, MethodImplSpec>();
  const capturing: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service: DescService, impl, opts) {
      for (const spec of Object.values(createServiceImplSpec(service, impl).methods)) {
        specs.set(spec.method, spec);
      }
      router.service(service, impl, opts);
      return capturing;
    },
    rpc(method, impl, opts) {
      specs.set(method, createMethodImplSpec(method, impl));
      router.rpc(method, impl, opts);
      return capturing;
    },
  };
  routes(capturing);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  // Streaming calls are rare in process (none of the REST routes makes one): Connect's router
  // transport serves them, serialisation included.
  const streaming = createRouterTransport(routes, { router: options });
  return { handlers, local: inProcessTransport(specs, options.interceptors, streaming) };
}

function inProcessTransport(
  specs: ReadonlyMap<DescMethod, MethodImplSpec>,
  interceptors: Interceptor[],
  streaming: Transport,
): Transport {
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const spec = specs.get(method);
      if (spec?.kind !== "unary") {
        throw new ConnectError(
          `${method.parent.typeName}.${method.name} is not served here`,
          Code.Unimplemented,
        );
      }
      const context = createHandlerContext({
        service: method.parent,
        method,
        protocolName: "in-process",
        requestMethod: "POST",
        url: `/${method.parent.typeName}/${method.name}`,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(signal ? { requestSignal: signal } : {}),
        ...(header ? { requestHeader: header } : {}),
        ...(contextValues ? { contextValues } : {}),
      });
      try {
        const message = isMessage(input, method.input) ? input : create(method.input, input);
        const output = await invokeUnaryImplementation(spec, context, message, interceptors);
        return {
          stream: false,
          service: method.parent,
          method,
          header: context.responseHeader,
          trailer: context.responseTrailer,
          // biome-ignore lint/suspicious/noExplicitAny: the spec was found by this very method
          message: output as any,
        };
      } catch (err) {
        throw ConnectError.from(err);
      } finally {
        context.abort();
      }
    },
    stream: (...args) => streaming.stream(...args),
  };
}
