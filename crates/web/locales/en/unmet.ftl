# Unmet demand on the equity page: the last batch's unmatched report.
unmet-heading = Unmet demand
unmet-none = No batch assignment has been run for this scope yet, so there is no unmatched report. A program admin runs one from Matching; a health plan's view has none, as the batch does not count members by plan.
unmet-about-applied = From the batch assignment run on { $day } and applied: { $unmatched } of { $waiting } waiting members were left without a peer.
unmet-about-dry-run = From the batch assignment tried on { $day } without applying it: { $unmatched } of { $waiting } waiting members would be left without a peer.
unmet-series = Members left without a peer
unmet-language-caption = Members left without a peer, by first language
unmet-language-column = Language
unmet-language-chart = Members left without a peer, by first language
unmet-reason-caption = Members left without a peer, by what stood in the way
unmet-reason-column = What stood in the way
unmet-reason-chart = Members left without a peer, by what stood in the way
