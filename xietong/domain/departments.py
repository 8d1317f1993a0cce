"""The departments that share data through the hub (DESIGN §5; names are fixed)."""

from enum import StrEnum


class Department(StrEnum):
    EDUCATION = "EDUCATION"
    """Education bureau (教育局): licences, courses, staff, inspections, tip-offs."""
    MARKET_SUPERVISION = "MARKET_SUPERVISION"
    """Market supervision (市场监管): business registration, complaints, penalties."""
    PUBLIC_SECURITY = "PUBLIC_SECURITY"
    """Public security (公安): background checks of staff, by ID number only."""
    FIRE_SAFETY = "FIRE_SAFETY"
    """Fire safety (消防) with housing & construction's acceptance records."""
    FINANCE = "FINANCE"
    """Finance and the supervising banks: custody of prepaid fees."""
    CULTURE_TOURISM = "CULTURE_TOURISM"
    """Culture & tourism bureau (文旅): competent department for arts training."""
    SCIENCE_TECHNOLOGY = "SCIENCE_TECHNOLOGY"
    """Science & technology bureau (科技): competent department for science training."""
    SPORTS = "SPORTS"
    """Sports bureau (体育): competent department for sports training."""
    AUDIT = "AUDIT"
    """Auditors (审计 / 督导)."""
