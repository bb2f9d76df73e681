"""Sentences for questions, answers, addenda, cancellations and bids."""
from __future__ import annotations

QUESTIONS = (
    "Is there a mandatory pre-bid meeting or site visit?",
    "Can you share the square footage of each building in scope?",
    "Who is the incumbent vendor and what is the current contract value?",
    "Will the institution accept electronic signatures on the bid forms?",
    "Is a performance bond required, and for what percentage?",
    "Can a joint venture with a certified local firm submit a single bid?",
    "What are the required insurance limits for general liability?",
    "Are there prevailing wage or living wage requirements for this contract?",
    "May subcontractors be used for part of the scope, and must they be listed?",
    "What hours will the work be performed, and is after-hours access available?",
    "Will pricing be evaluated per unit or as a lump sum?",
    "Is there a local preference in the evaluation criteria?",
    "Can you clarify the delivery schedule in section 3.2?",
    "Will the institution consider an alternate product of equal quality?",
)
ANSWERS = (
    "Yes. A non-mandatory site visit is scheduled; see Addendum 1 for the date and place.",
    "The square footage of each building is listed in Attachment B.",
    "The current contract is public record; the award notice is linked from this page.",
    "Yes, electronic signatures are accepted on all forms.",
    "A performance bond of 100% of the annual contract value is required for awards over $200,000.",
    "Yes. Joint ventures may submit one bid; include the joint venture agreement.",
    "General liability of $1,000,000 per occurrence and $2,000,000 aggregate.",
    "The institution's living wage ordinance applies to this contract.",
    "Subcontractors may be used and must be listed on the subcontractor utilization form.",
    "Work is performed between 6:00 PM and 6:00 AM on weekdays; weekend access is available.",
    "Pricing is evaluated on the total of the unit prices times the estimated quantities.",
    "Yes, local businesses receive preference points as described in section 5.",
    "Deliveries are weekly, on Tuesdays, unless otherwise agreed in writing.",
    "Alternates will be considered if the specification sheet is submitted with the bid.",
)
ADDENDUM_NOTES = (
    "Revised pricing form; bidders must use the attached version.",
    "Answers to questions received, and the site visit sign-in sheet.",
    "Clarified the scope in section 3 and added Attachment C.",
    "Corrected the estimated quantities in the bid schedule.",
)
EXTENSION_NOTE = "Closing extended by one week to give bidders time to respond to this addendum."
CANCEL_REASONS = (
    "Funding for this project was withdrawn.",
    "The scope of work will be substantially revised and re-solicited.",
    "The requirement is now covered by a cooperative contract.",
    "The institution's needs have changed.",
)
NO_AWARD_REASONS = (
    "All bids exceeded the available budget.",
    "No responsive and responsible bids were received.",
    "The only bid received did not meet the minimum qualifications.",
)
BID_NARRATIVES = (
    "Our proposal meets every requirement of the specification.",
    "Pricing includes all labor, materials and supervision.",
    "We propose a dedicated account manager and a 24-hour response time.",
    "Revised pricing after the addendum; all other terms unchanged.",
)
DESCRIPTION = (
    "{institution} seeks qualified firms to provide {phrase} for {site}. The contract term is "
    "{years} year(s) with options to renew. Submit your bid through the marketplace before the "
    "closing time shown on this page; late bids cannot be accepted."
)
