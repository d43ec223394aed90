# Contacts across one peer's caseload.

cl-title = Caseload contacts: { $name }
cl-link = Contacts across the caseload
cl-link-for = Contacts across { $name }’s caseload
cl-summary-heading = Summary
cl-summary = { $role }. Members on the caseload: { $members }. Engagement rule met: { $met }; not met: { $notmet }.
cl-units-total = Units used in the authorization window: { $units }.
cl-not-shared = Members who do not share their contacts with you: { $count }.
cl-empty = No member whose contacts you may see is on this caseload.
cl-caption = Members below the engagement rule first, then those with the fewest contacts.
cl-col-member = Member
cl-col-rule = Engagement rule
cl-col-contacts = Contacts
cl-col-units = Units used
cl-col-last = Last contact
cl-member-n = Member { $n }
cl-contacts-in = { $count } in { $days } days
cl-units-of = { $used } of { $authorized }
cl-rule-met = Met
cl-rule-not-met = Not met
cl-rule-none = No rule for this role
cl-never = None yet
cl-none = —

# Members due a follow-up after acute care: who and the day, never why.
cl-follow-up-heading = Follow-up due
cl-follow-up-about = An emergency room visit or a hospital discharge in the last 7 days. Reach out when you can.
cl-follow-up-since = acute care on { $day }; no contact since
