# A supervisor's supervisees at a glance, and a peer's month on their caseload page.
act-glance-heading = At a glance
act-glance-caption = Each supervisee's caseload and contacts in the last 30 days; follow a name to their caseload.
act-glance-summary = { $attention } of { $count } supervisees need a word: { $quiet } with no contact logged in { $days } days, { $below } below the contact goal.
act-col-supervisee = Supervisee
act-col-members = Members
act-col-contacts = Contacts in the last 30 days
act-col-last = Last contact
act-col-flags = Needs a word
act-contacts-of-goal = { $count } of a goal of { $goal }
act-last-today = Today
act-last-days = { $days ->
    [one] 1 day ago
   *[other] { $days } days ago
}
act-last-never = Never
act-flag-no-activity = No activity in { $days } days
act-flag-below-goal = Below the contact goal
act-flags-none = All is well
act-no-goal = no goal for the role
act-series-contacts = Contacts
act-series-goal = Goal
act-chart-title = Contacts in the last { $days } days against the goal
act-supervision-heading = Supervision
act-month-heading = This month
act-month-summary = { $count ->
    [one] 1 contact logged this month.
   *[other] { $count } contacts logged this month.
}
act-weeks-caption = Contacts logged each week
act-col-week = Week of
act-col-week-contacts = Contacts
act-weeks-chart = Contacts logged each week, the last 12 weeks
act-home-month-link = My month: contacts, units and members below the rule across my caseload
act-home-glance-link = My supervisees at a glance: who needs a word
act-home-measures-link = Outcome measures
act-home-equity-link = Network adequacy, equity and unmet demand
act-home-activity-link = Worker activity and the referral funnel
act-withheld = fewer than 11
act-glance-withheld = Counts from 1 to 10 are withheld: you are not on these members' care teams. Follow a name to the caseload for the members who share their contacts with you.
act-contacts-goal-withheld = { $count } (the goal is withheld, as it would tell how many members)
