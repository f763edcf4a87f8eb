import http from 'node:http'
import axios, { type AxiosInstance } from 'axios'
import type { DeclaredResources } from './node-spec.ts'
import { NodeRequestError, type DeploymentStatus, type GossipMessage, type NodeClient, type NodeStatus, type PeerInfo } from './node-client.ts'

export interface ReferenceNodeClientOptions {
  name: string
  /** base URL of the node's API, e.g. http://127.0.5.1:9999 */
  baseUrl: string
  /** source address for requests: the node only answers requests from its own host */
  localAddress?: string
  timeoutMs: number
}

/** NodeClient over the reference node's HTTP API. */
export class ReferenceNodeClient implements NodeClient {
  private readonly http: AxiosInstance
  private readonly agent: http.Agent

  /** the connection as the provider gave it: what a kept cluster records */
  get connection(): ReferenceNodeClientOptions {
    return this.options
  }

  constructor(protected readonly options: ReferenceNodeClientOptions) {
    this.agent = new http.Agent({ keepAlive: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) })
    this.http = axios.create({ baseURL: options.baseUrl, timeout: options.timeoutMs, httpAgent: this.agent, validateStatus: () => true, proxy: false })
  }

  status = () => this.call<NodeStatus>('get', '/status')
  onboard = (resources: DeclaredResources) => this.call<NodeStatus>('post', '/onboard', resources)
  offboard = () => this.call<NodeStatus>('post', '/offboard')
  peers = () => this.call<PeerInfo[]>('get', '/peers')
  connect = async (addr: string) => (await this.call<{ peerId: string }>('post', '/peers/connect', { addr })).peerId
  disconnect = async (peerId: string) => void (await this.call('post', '/peers/disconnect', { peerId }))
  ping = async (peerId: string) => (await this.call<{ rttMs: number }>('post', '/peers/ping', { peerId })).rttMs
  subscribe = async (topic: string) => void (await this.call('post', '/pubsub/subscribe', { topic }))
  publish = async (topic: string, data: string) => (await this.call<{ recipients: number }>('post', '/pubsub/publish', { topic, data })).recipients
  subscribers = (topic: string) => this.call<string[]>('get', `/pubsub/subscribers?topic=${encodeURIComponent(topic)}`)
  received = (topic?: string) => this.call<GossipMessage[]>('get', topic ? `/pubsub/received?topic=${encodeURIComponent(topic)}` : '/pubsub/received')
  sendMessage = async (peerId: string, text: string) => void (await this.call('post', '/messages', { peerId, text }))
  inbox = () => this.call<{ from: string; text: string }[]>('get', '/messages')
  invoke = async (peerId: string, behaviour: string, payload: unknown = {}) => (await this.call<{ result: unknown }>('post', '/invoke', { peerId, behaviour, payload })).result
  kvPut = async (key: string, value: unknown) => void (await this.call('put', `/kv/${encodeURIComponent(key)}`, { value }))
  kvGet = async (key: string) => (await this.call<{ value: unknown }>('get', `/kv/${encodeURIComponent(key)}`)).value
  kvSearch = (prefix: string) => this.call<{ key: string; value: unknown }[]>('get', `/kv?prefix=${encodeURIComponent(prefix)}`)
  deploy = (ensemble: string, target?: string) => this.call<{ id: string; node: string }>('post', '/deployments', target ? { ensemble, target } : { ensemble })
  deployment = (id: string) => this.call<DeploymentStatus>('get', `/deployments/${id}`)
  deploymentOutput = async (id: string) => (await this.call<{ output: string }>('get', `/deployments/${id}/output`)).output
  deploymentLogs = async (id: string) => (await this.call<{ logs: string }>('get', `/deployments/${id}/logs`)).logs
  cancelDeployment = (id: string) => this.call<DeploymentStatus>('post', `/deployments/${id}/cancel`)
  reset = (onboard: DeclaredResources | null) => this.call<NodeStatus>('post', '/admin/reset', { onboard })

  /** Reference-node fault hooks (the local provider's network cut): not part of NodeClient. */
  isolate = async () => void (await this.call('post', '/admin/isolate'))
  heal = async () => void (await this.call('post', '/admin/heal'))

  close(): void {
    this.agent.destroy()
  }

  private async call<T>(method: 'get' | 'post' | 'put', path: string, body?: unknown): Promise<T> {
    let response
    try {
      response = await this.http.request({ method, url: path, data: body ?? (method === 'get' ? undefined : {}) })
    } catch (error) {
      const reason = error instanceof Error ? (error as { code?: string }).code ?? error.message : String(error)
      throw new NodeRequestError(this.options.name, 0, `${method.toUpperCase()} ${path} failed: ${reason} (is the node running?)`)
    }
    if (response.status >= 400) throw new NodeRequestError(this.options.name, response.status, (response.data as { error?: string })?.error ?? `HTTP ${response.status}`)
    return response.data as T
  }
}
