import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.LedgerService.GetResourceEconomics`: what the coordinator knows of the
/// economy. Work is priced at each node's own rate plus a flat base price (PriceModel);
/// there is no dynamic pricing yet, so every multiplier is neutral (1.0).
extension LedgerDesk {
    func economics(_ request: Openswarm_V1_GetResourceEconomicsRequest, _ call: ServerContext)
        async throws(RPCError) -> Openswarm_V1_GetResourceEconomicsResponse
    {
        _ = try context.callers.principal(call)
        let (nodes, issued) = try await context.executor.run { (store) throws(StoreError) -> ([Node], Int64) in
            let issued: Int64
            do throws(StoreError) { issued = -(try store.balance(of: Ledger.issuance)) } catch {
                guard error.code == .unknownAccount else { throw error }
                issued = 0
            }
            return (try store.nodes(), issued)
        }
        let pricing = PriceModel()
        var compute = Openswarm_V1_ComputeRates()
        // A node's price is per slot-hour; its whole capacity over its cores gives a
        // price per core-hour, averaged over the nodes online.
        let perCore = nodes.filter(\.isOnline).map { node in
            node.hourlyRateMicros * Int64(node.capabilities.slots) / Int64(max(1, node.capabilities.cpuCores))
        }
        compute.cpuCoreHourMicros = perCore.isEmpty ? 0 : perCore.reduce(0, +) / Int64(perCore.count)
        var rates = Openswarm_V1_MarketRates()
        rates.compute = compute
        rates.taskBasePriceMicros = pricing.basePriceMicros
        var multipliers = Openswarm_V1_DynamicPricing()
        multipliers.demandMultiplier = 1
        multipliers.supplyMultiplier = 1
        multipliers.qualityMultiplier = 1
        multipliers.regionMultiplier = 1
        var statistics = Openswarm_V1_MarketStatistics()
        statistics.totalCirculatingMicros = issued
        var economics = Openswarm_V1_ResourceEconomics()
        economics.rates = rates
        economics.pricing = multipliers
        economics.statistics = statistics
        economics.computeTime = WireTime.timestamp(context.clock.now())
        var response = Openswarm_V1_GetResourceEconomicsResponse()
        response.economics = economics
        return response
    }
}
