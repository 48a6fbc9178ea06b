// Calls every RPC of the indicator service once through the Go client and
// prints what came back: go run indicators/example -target=127.0.0.1:50051
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"indicators/client"
	v1 "indicators/gen/v1"
)

func main() {
	target := flag.String("target", "127.0.0.1:50051", "server host:port")
	token := flag.String("token", "", "bearer token (ReloadDataset needs the admin scope)")
	flag.Parse()
	c, err := client.Dial(*target, client.Options{Token: *token})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	ctx := context.Background()
	check := func(rpc string, err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", rpc, err)
			os.Exit(1)
		}
	}

	info, err := c.DatasetInfo(ctx)
	check("GetDatasetInfo", err)
	fmt.Printf("GetDatasetInfo: version %s, %d observations\n",
		info.GetDataset().GetVersion(), info.GetDataset().GetObservationCount())
	indicators, err := c.ListIndicators(ctx)
	check("ListIndicators", err)
	fmt.Printf("ListIndicators: %d indicators\n", len(indicators))
	indicator, err := c.GetIndicator(ctx, "rd_expenditure")
	check("GetIndicator", err)
	fmt.Printf("GetIndicator: %s in 10^%d %s\n", indicator.GetName(),
		indicator.GetUnitMultiplier(), indicator.GetUnit())
	regions, err := c.ListRegions(ctx, "CN", v1.RegionType_REGION_TYPE_UNSPECIFIED)
	check("ListRegions", err)
	fmt.Printf("ListRegions: %d regions under CN\n", len(regions))
	region, err := c.GetRegion(ctx, "CN-GD")
	check("GetRegion", err)
	fmt.Printf("GetRegion: %s\n", region.GetName())
	sources, err := c.ListSources(ctx)
	check("ListSources", err)
	fmt.Printf("ListSources: %d sources\n", len(sources))
	source, err := c.GetSource(ctx, "SEED")
	check("GetSource", err)
	fmt.Printf("GetSource: %s\n", source.GetPublisher())
	filter := &v1.ObservationFilter{
		IndicatorIds: []string{"rd_expenditure"}, RegionCodes: []string{"CN-GD"},
		SourceMode: v1.SourceMode_SOURCE_MODE_PREFERRED}
	rows, err := c.Query(ctx, filter)
	check("QueryObservations", err)
	fmt.Printf("QueryObservations: %d preferred rows\n", len(rows))
	streamed := 0
	check("StreamObservations", c.Stream(ctx, &v1.ObservationFilter{},
		func(*v1.Observation) error { streamed++; return nil }))
	fmt.Printf("StreamObservations: %d observations\n", streamed)
	vintages, err := c.History(ctx, "rd_expenditure", "CN-GD", "2023")
	check("GetObservationHistory", err)
	fmt.Printf("GetObservationHistory: %d values\n", len(vintages))
	sums, err := c.Aggregate(ctx, &v1.AggregateObservationsRequest{
		IndicatorId: "rd_expenditure", ParentRegionCode: "CN"})
	check("AggregateObservations", err)
	fmt.Printf("AggregateObservations: %d periods\n", len(sums.GetAggregates()))
	found, err := c.Search(ctx, "guangdong r&d", 5)
	check("SearchCatalog", err)
	fmt.Printf("SearchCatalog: %d results\n", len(found))
	_, err = c.Reload(ctx)
	var rpcErr *client.Error
	if errors.As(err, &rpcErr) {
		fmt.Printf("ReloadDataset: %s\n", rpcErr.Code)
	} else {
		check("ReloadDataset", err)
		fmt.Println("ReloadDataset: OK")
	}
}
