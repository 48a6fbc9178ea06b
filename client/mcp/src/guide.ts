// How to read the service's figures: served as a resource, so that an
// assistant can learn the conventions once instead of guessing them.

export const GUIDE = `# Reading the indicator service's figures

Every figure (observation) is one statement of one source, or several sources stating the same value.

- **Value as stated.** \`value\` is the number the source gave, before scaling: the amount is
  value × 10^unitMultiplier in \`unit\`. \`asStated\` spells it out ("about 460 billion CNY").
  Quote \`asStated\`, not the bare number. A figure the service computed (a conversion, a ratio, a sum)
  is stated to 6 significant digits; \`value\` holds every digit.
- **Qualifier.** How the source hedged the figure: \`exact\`, \`about\`, \`over\` (a lower bound: "over 75,000"
  means more than 75,000, not 75,000), \`under\` (an upper bound), \`nearly\` (just below). Never present a hedged
  figure as exact.
- **Status.** \`final\` (communiqués and releases after the period closed), \`preliminary\` (early releases a
  final figure may revise), \`estimate\` (the source calls it estimated or expected).
- **Sources.** Every figure cites its sources: publisher, title, publication date and address, with a
  reliability grade (official, official_mirror, aggregator, news, unverified). Cite them with the figure.
- **Several figures for one period.** Sources can disagree; each keeps its own value, qualifier and status.
  \`filter.sourceMode: SOURCE_MODE_PREFERRED\` picks one per period (final before preliminary before estimate,
  then the most reliable source, then exact before hedged, then the newest publication).
- **Derived figures** (\`derived: true\`) are computed by the service (ratios, growth, regional sums), never
  published; their \`derivation\` names the formula and inputs.
- **Warnings** say when the figures of one answer should not be compared at face value (mixed statuses,
  hedged values, a change of source, mixed units, different exchange rates).
- **Version.** \`datasetVersion\` is a content hash of the dataset that answered: cite it so that the answer
  can be checked later.
- **Periods** are \`YYYY\` (a calendar year) or \`YYYY-MM\`; regions are ISO 3166 codes (\`CN\`, \`CN-GD\`).
`;
