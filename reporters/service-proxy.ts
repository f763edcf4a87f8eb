import type { AxiosProxyConfig } from 'axios'
import { getProxyForUrl } from 'proxy-from-env'
import { UserError } from '../src/errors.ts'

/** Where a command's proxy comes from: the option given (`--proxy`), else the environment. */
export interface ProxySettings {
  /** --proxy: every request goes through it, whatever NO_PROXY says (as the official Testmo CLI's option) */
  given?: string
  /** the command's environment: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY, either case */
  env: Record<string, string | undefined>
}

/** The proxy a service is reached through. */
export interface ServiceProxy {
  url: URL
  /** the proxy as messages name it: its user and password left out */
  shown: string
}

/**
 * The proxy for requests to `service`, or undefined to connect directly. The environment is read
 * by the rules curl, npm and axios share (proxy-from-env: the scheme's *_PROXY, else ALL_PROXY,
 * unless NO_PROXY names the host, a parent domain, or `*`). CI runners behind a company proxy
 * set these, and Testmo and GitLab.com are outside it.
 */
export function serviceProxy(service: URL, settings: ProxySettings | undefined): ServiceProxy | undefined {
  if (!settings) return undefined
  const value = settings.given ?? fromEnv(service, settings.env)
  if (!value) return undefined
  const setting = settings.given === undefined ? 'the proxy in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)' : '--proxy'
  let url: URL
  try {
    // "host:port", as curl takes it, is an http proxy
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    throw new UserError('BAD_PROXY', `${setting} "${withoutPassword(value)}" is not a URL; set it to http://<host>:<port> (user and password, if it asks for them: http://<user>:<password>@<host>:<port>)`)
  }
  if (!/^https?:$/.test(url.protocol) || !url.hostname)
    throw new UserError(
      'BAD_PROXY',
      `${setting} "${shownProxy(url)}" is not an HTTP proxy (a SOCKS proxy is not spoken); set it to http://<host>:<port> (or https://… for a proxy spoken to over TLS)${settings.given === undefined ? `, or add ${service.hostname} to NO_PROXY to reach it directly` : ''}`,
    )
  return { url, shown: shownProxy(url) }
}

/**
 * The proxy as axios takes it (false: connect directly, without reading the environment again).
 * axios tunnels HTTPS through it with CONNECT, so the proxy never sees a token or a result.
 */
export function axiosProxy(proxy: ServiceProxy | undefined): AxiosProxyConfig | false {
  if (!proxy) return false
  const { url } = proxy
  return {
    protocol: url.protocol,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    ...(url.username ? { auth: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } } : {}),
  }
}

/** The proxy URL as messages and logs may show it: its password (a secret) never. */
function shownProxy(url: URL): string {
  return `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}:***@` : ''}${url.host}`
}

function withoutPassword(value: string): string {
  return value.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@')
}

/**
 * proxy-from-env reads process.env only; the command's environment is given to it for the length
 * of one synchronous call (an in-process caller may run a command with an environment of its own).
 */
function fromEnv(service: URL, env: ProxySettings['env']): string {
  const saved = process.env
  process.env = env
  try {
    return getProxyForUrl(service.href)
  } finally {
    process.env = saved
  }
}
